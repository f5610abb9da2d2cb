# Terraform and provider versions. The AWS provider may be 5.100 (what CI's offline provider
# mirror holds) or any 6.x: every argument used here means the same in both. One provider only,
# so a machine with a provider mirror and no registry access can init and validate.
#
# No .terraform.lock.hcl is committed: it would pin one provider build for every user, while
# these files accept two major versions (CI uses 5.100 from a mirror). Your first `terraform
# init` writes one next to these files; keep it (with your state) so later applies use the same
# build.
#
# State stays local (terraform.tfstate here, git-ignored) unless you enable the S3 backend in
# backend-s3.tf.example. No secret is in the state: RDS keeps the database password itself.
terraform {
  # 1.5: strcontains() in variables.tf.
  required_version = ">= 1.5.7"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
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
