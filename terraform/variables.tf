# Inputs. terraform.tfvars.example shows the ones you are most likely to set.

# ---- where, and what ----

variable "region" {
  description = "AWS region (AWS Academy Learner Lab: us-east-1 or us-west-2)"
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Prefix of every resource name; also the ECS cluster's name"
  type        = string
  default     = "taskoverflow"

  validation {
    # The ALB and target group names are built from it and may not exceed 32 characters; the
    # ALB and RDS refuse a name that ends with a hyphen or holds two in a row, but only when
    # applying, half-way through.
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}[a-z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name: 2-21 characters, lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "image_tag" {
  description = "Tag of the image in the ECR repository that every task runs (api, worker, migrate), e.g. a git commit"
  type        = string

  validation {
    # The repository's tags are immutable: a tag names one build, so a deployment is repeatable.
    condition     = length(var.image_tag) > 0 && var.image_tag != "latest"
    error_message = "image_tag: the tag you pushed (e.g. git rev-parse --short HEAD), not latest."
  }
}

variable "migrate_image_tag" {
  description = "Tag the one-shot migrate task runs; null: image_tag. scripts/deploy.sh migrates with the new tag while the services still run the old one"
  type        = string
  default     = null
}

variable "cpu_architecture" {
  description = "CPU architecture of the image and of the Fargate tasks: X86_64 or ARM64 (build with docker build --platform to match)"
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture: X86_64 or ARM64."
  }
}

# ---- network ----

variable "vpc_cidr" {
  description = "Address range of the VPC; public and private /24 subnets are cut from it"
  type        = string
  default     = "10.40.0.0/16"
}

variable "allowed_ingress_cidrs" {
  description = "Who may reach the load balancer (HTTP, and HTTPS when certificate_arn is set)"
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "certificate_arn" {
  description = "ACM certificate for HTTPS on the load balancer; null: plain HTTP on port 80 only"
  type        = string
  default     = null
}

variable "public_url" {
  description = "PUBLIC_URL of the API (e.g. https://todo.example.com behind your DNS name); null: the load balancer's URL (never the request's Host header)"
  type        = string
  default     = null
}

variable "api_token_secret_arn" {
  description = "Secrets Manager secret whose value (plain text) is the API_TOKEN every API request must carry, or \"<arn>:<json key>::\" for one key of a JSON secret; null: the API is open (set one when deployed)"
  type        = string
  default     = null

  validation {
    condition     = var.api_token_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.api_token_secret_arn))
    error_message = "api_token_secret_arn must be the ARN of a Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:secret:<name>)."
  }
}

# ---- roles (AWS Academy Learner Lab cannot create IAM roles: pass LabRole's ARN to both) ----

variable "execution_role_arn" {
  description = "Role ECS uses to pull the image, write logs and read the database secret; null: create one with only those permissions"
  type        = string
  default     = null
}

variable "task_role_arn" {
  description = "Role the running containers assume; null: create one with no permissions (the app calls no AWS API)"
  type        = string
  default     = null
}

# ---- tasks ----

variable "api_desired_count" {
  description = "API tasks behind the load balancer (2 or more to survive the loss of one)"
  type        = number
  default     = 1
}

variable "api_cpu" {
  description = "CPU units of an API task (256 = 1/4 vCPU)"
  type        = number
  default     = 256
}

variable "api_memory" {
  description = "Memory (MiB) of an API task; must suit api_cpu on Fargate"
  type        = number
  default     = 512
}

variable "worker_desired_count" {
  description = "Calendar worker tasks (the minimum, when autoscaling)"
  type        = number
  default     = 1
}

variable "worker_cpu" {
  description = "CPU units of a worker task"
  type        = number
  default     = 256
}

variable "worker_memory" {
  description = "Memory (MiB) of a worker task"
  type        = number
  default     = 512
}

variable "worker_concurrency" {
  description = "WORKER_CONCURRENCY: parallel fetch loops per worker task"
  type        = number
  default     = 2
}

variable "worker_autoscaling" {
  description = "Scale the worker service on its average CPU, between worker_desired_count and worker_max_count tasks"
  type        = bool
  default     = false
}

variable "worker_max_count" {
  description = "Most worker tasks when worker_autoscaling is on"
  type        = number
  default     = 4
}

variable "worker_cpu_target" {
  description = "Average CPU utilisation (%) the worker autoscaling aims for"
  type        = number
  default     = 60
}

variable "log_level" {
  description = "LOG_LEVEL of every task"
  type        = string
  default     = "info"
}

variable "log_retention_days" {
  description = "How long CloudWatch keeps the tasks' logs"
  type        = number
  default     = 14
}

variable "migrate_on_start" {
  description = "MIGRATE_ON_START of the api and worker tasks; false (the default): scripts/deploy.sh runs the one-shot migrate task, and checks it succeeded, before it updates the services"
  type        = bool
  default     = false
}

variable "container_insights" {
  description = "CloudWatch Container Insights on the cluster (extra metrics, extra cost)"
  type        = bool
  default     = false
}

# ---- database ----

variable "db_engine_version" {
  description = "PostgreSQL major version on RDS (15 or newer: those force TLS, which the tasks use)"
  type        = string
  default     = "17"
}

variable "db_instance_class" {
  description = "RDS instance class"
  type        = string
  default     = "db.t4g.micro"
}

variable "db_allocated_storage" {
  description = "Initial storage (GiB)"
  type        = number
  default     = 20
}

variable "db_max_allocated_storage" {
  description = "Storage autoscaling ceiling (GiB)"
  type        = number
  default     = 100
}

variable "db_name" {
  description = "Database the app uses"
  type        = string
  default     = "taskoverflow"
}

variable "db_username" {
  description = "Master user of the instance, which the app connects as (RDS keeps its password in a Secrets Manager secret of its own)"
  type        = string
  default     = "taskoverflow"
}

variable "db_multi_az" {
  description = "A standby in a second availability zone (about double the cost)"
  type        = bool
  default     = false
}

variable "db_backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery)"
  type        = number
  default     = 7

  validation {
    condition     = var.db_backup_retention_days >= 1 && var.db_backup_retention_days <= 35
    error_message = "db_backup_retention_days: 1 to 35."
  }
}

variable "db_deletion_protection" {
  description = "Refuse to delete the database (set false, apply, then destroy)"
  type        = bool
  default     = true
}

variable "db_final_snapshot" {
  description = "Take a final snapshot when the database is deleted"
  type        = bool
  default     = true
}

variable "database_ssl" {
  description = "DATABASE_SSL of the tasks: verify (the RDS CA bundle baked into the image) or no-verify (encrypted, certificate not checked)"
  type        = string
  default     = "verify"

  validation {
    # RDS for PostgreSQL 15+ refuses unencrypted connections (rds.force_ssl = 1).
    condition     = contains(["verify", "no-verify"], var.database_ssl)
    error_message = "database_ssl: verify or no-verify."
  }
}

variable "database_pool_max" {
  description = "DATABASE_POOL_MAX: each task has two pools of this size, plus one or two LISTEN connections; keep the total under the instance's max_connections"
  type        = number
  default     = 5
}

# ---- image registry ----

variable "ecr_keep_images" {
  description = "Images the ECR lifecycle policy keeps, newest first: you can roll back (scripts/deploy.sh <older tag>) to any of the last this-many deployments; older ones must be rebuilt from their commit"
  type        = number
  default     = 20
}

variable "ecr_force_delete" {
  description = "Let terraform destroy delete the ECR repository with its images"
  type        = bool
  default     = false
}
