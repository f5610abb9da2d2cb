# Terraform and provider versions, pinned to a major version so `terraform init` on another
# machine (or next year) resolves providers these files were written for. The lock file that
# `terraform init` writes (.terraform.lock.hcl) pins the exact build; commit it.
terraform {
  required_version = ">= 1.5.7"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project   = var.name
      ManagedBy = "terraform"
    }
  }
}
