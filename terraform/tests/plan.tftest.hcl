# `terraform test`: plans of these files with the real AWS provider and no AWS account (fake
# keys; the provider's checks that would call AWS are off), asserting what a deployment must
# hold. Values AWS would only assign when creating (ids, names, URLs) are set by overrides, so
# the plan knows them. Run by .ci/run; by hand: terraform init -backend=false && terraform test

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test-not-a-real-key"
  secret_key                  = "test-not-a-real-secret"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

override_data {
  target = data.aws_availability_zones.available
  values = { names = ["us-east-1a", "us-east-1b", "us-east-1c"] }
}

override_resource {
  target          = aws_security_group.app
  override_during = plan
  values          = { id = "sg-app" }
}

override_resource {
  target          = aws_security_group.db
  override_during = plan
  values          = { id = "sg-db" }
}

override_resource {
  target          = aws_security_group.alb
  override_during = plan
  values          = { id = "sg-alb" }
}

override_resource {
  target          = aws_ecr_repository.app
  override_during = plan
  values          = { repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/taskoverflow", arn = "arn:aws:ecr:us-east-1:123456789012:repository/taskoverflow" }
}

override_resource {
  target          = aws_lb.api
  override_during = plan
  values          = { dns_name = "taskoverflow-123.us-east-1.elb.amazonaws.com", arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/taskoverflow/1" }
}

override_resource {
  target          = aws_db_instance.main
  override_during = plan
  values = {
    address            = "taskoverflow.abc.us-east-1.rds.amazonaws.com"
    port               = 5432
    master_user_secret = [{ secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1", kms_key_id = "", secret_status = "active" }]
  }
}

override_resource {
  target          = aws_cloudwatch_log_group.app
  override_during = plan
  values          = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/taskoverflow" }
}

variables {
  image_tag = "0123abc"
}

run "database_private_encrypted_reachable_from_the_app_only" {
  command = plan

  assert {
    condition     = aws_db_instance.main.publicly_accessible == false
    error_message = "the database must not be publicly accessible"
  }
  assert {
    condition     = aws_db_instance.main.storage_encrypted == true
    error_message = "the database storage must be encrypted"
  }
  assert {
    condition     = aws_db_instance.main.manage_master_user_password == true && aws_db_instance.main.password == null
    error_message = "RDS must manage the master password (none in the state)"
  }
  assert {
    condition     = aws_db_instance.main.backup_retention_period > 0
    error_message = "the database must keep backups"
  }
  assert {
    condition     = aws_db_instance.main.vpc_security_group_ids == toset(["sg-db"])
    error_message = "the database must sit in its own security group"
  }
  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.db_from_app.security_group_id == "sg-db" &&
      aws_vpc_security_group_ingress_rule.db_from_app.referenced_security_group_id == "sg-app" &&
      aws_vpc_security_group_ingress_rule.db_from_app.cidr_ipv4 == null &&
      aws_vpc_security_group_ingress_rule.db_from_app.from_port == 5432
    )
    error_message = "PostgreSQL must admit the app's security group only"
  }
  assert {
    condition     = length([for subnet in aws_subnet.private : subnet if subnet.map_public_ip_on_launch]) == 0
    error_message = "the database subnets must be private"
  }
}

run "services_and_health_checks" {
  command = plan

  assert {
    condition     = aws_ecs_service.api.desired_count >= 1 && length(aws_ecs_service.api.load_balancer) == 1
    error_message = "the API service must run behind the load balancer"
  }
  assert {
    condition     = aws_ecs_service.worker.desired_count >= 1 && length(aws_ecs_service.worker.load_balancer) == 0
    error_message = "the worker service must be defined, without a load balancer"
  }
  assert {
    condition     = one(aws_lb_target_group.api.health_check).path == "/api/v1/health/live"
    error_message = "the target group must check the API's liveness route, not readiness (a database outage would get every task replaced)"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.api.container_definitions)[0].healthCheck.command == ["CMD", "node", "dist/src/health/probe.js"]
    error_message = "the API container needs a health check (ECS ignores the image's HEALTHCHECK)"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.worker.container_definitions)[0].healthCheck.command == ["CMD", "node", "dist/src/health/probe.js"]
    error_message = "the worker container needs a health check"
  }
  assert {
    condition     = contains(jsondecode(aws_ecs_task_definition.worker.container_definitions)[0].environment, { name = "WORKER_HTTP_PORT", value = "6401" })
    error_message = "the worker must start its health listener (WORKER_HTTP_PORT) for the probe to ask"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.migrate.container_definitions)[0].command == ["node", "dist/src/migrate.js"]
    error_message = "a one-shot migrate task must exist"
  }
  assert {
    condition = alltrue([for td in [aws_ecs_task_definition.api, aws_ecs_task_definition.worker] :
    contains(jsondecode(td.container_definitions)[0].environment, { name = "MIGRATE_ON_START", value = "false" })])
    error_message = "by default the services must not migrate at start (the deploy script's migrate task does)"
  }
  assert {
    condition     = contains(jsondecode(aws_ecs_task_definition.api.container_definitions)[0].environment, { name = "PUBLIC_URL", value = "http://taskoverflow-123.us-east-1.elb.amazonaws.com" })
    error_message = "PUBLIC_URL must be set (from the load balancer when public_url is not)"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.api.container_definitions)[0].secrets[0].valueFrom == "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1:password::"
    error_message = "PGPASSWORD must come from the RDS-managed secret"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.api.container_definitions)[0].image == "123456789012.dkr.ecr.us-east-1.amazonaws.com/taskoverflow:0123abc"
    error_message = "tasks must run the pushed tag"
  }
}

run "public_url_of_your_own" {
  command = plan

  variables {
    public_url = "https://todo.example.com"
  }

  assert {
    condition     = contains(jsondecode(aws_ecs_task_definition.api.container_definitions)[0].environment, { name = "PUBLIC_URL", value = "https://todo.example.com" })
    error_message = "public_url must become PUBLIC_URL"
  }
}

run "api_token_from_secrets_manager_never_plain" {
  command = plan

  variables {
    api_token_secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:taskoverflow/api-token-AbCdEf"
  }

  assert {
    condition     = contains(jsondecode(aws_ecs_task_definition.api.container_definitions)[0].secrets, { name = "API_TOKEN", valueFrom = "arn:aws:secretsmanager:us-east-1:123456789012:secret:taskoverflow/api-token-AbCdEf" })
    error_message = "API_TOKEN must come from the secret"
  }
  assert {
    condition     = length([for e in jsondecode(aws_ecs_task_definition.api.container_definitions)[0].environment : e if e.name == "API_TOKEN"]) == 0
    error_message = "API_TOKEN must never be a plain environment value"
  }
  assert {
    condition     = contains(jsondecode(aws_ecs_task_definition.api.container_definitions)[0].secrets, { name = "PGPASSWORD", valueFrom = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1:password::" })
    error_message = "PGPASSWORD must stay"
  }
  assert {
    condition     = one(local.api_token_secret_arns) == "arn:aws:secretsmanager:us-east-1:123456789012:secret:taskoverflow/api-token-AbCdEf"
    error_message = "the execution role must be allowed to read the token's secret"
  }
}

run "api_token_from_one_key_of_a_json_secret" {
  command = plan

  variables {
    api_token_secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared-AbCdEf:api_token::"
  }

  assert {
    condition     = contains(jsondecode(aws_ecs_task_definition.api.container_definitions)[0].secrets, { name = "API_TOKEN", valueFrom = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared-AbCdEf:api_token::" })
    error_message = "the JSON key is passed to ECS as given"
  }
  assert {
    condition     = one(local.api_token_secret_arns) == "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared-AbCdEf"
    error_message = "the role is granted the secret itself, without the key suffix"
  }
}

run "no_api_token_by_default" {
  command = plan

  variables {
    api_token_secret_arn = null
  }

  assert {
    condition     = length([for s in jsondecode(aws_ecs_task_definition.api.container_definitions)[0].secrets : s if s.name == "API_TOKEN"]) == 0
    error_message = "without api_token_secret_arn there is no API_TOKEN"
  }
}

run "api_token_secret_must_be_a_secrets_manager_arn" {
  command = plan
  variables {
    api_token_secret_arn = "my-plain-token-value"
  }
  expect_failures = [var.api_token_secret_arn]
}

run "name_ending_with_a_hyphen_is_refused" {
  command = plan
  variables {
    name = "taskoverflow-"
  }
  expect_failures = [var.name]
}

run "name_with_two_hyphens_in_a_row_is_refused" {
  command = plan
  variables {
    name = "task--overflow"
  }
  expect_failures = [var.name]
}

run "latest_is_not_a_tag_to_deploy" {
  command = plan
  variables {
    image_tag = "latest"
  }
  expect_failures = [var.image_tag]
}

run "a_deployment_migrates_with_the_new_image_while_the_services_keep_the_old" {
  command = plan

  variables {
    image_tag         = "old1234"
    migrate_image_tag = "new5678"
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.migrate.container_definitions)[0].image == "123456789012.dkr.ecr.us-east-1.amazonaws.com/taskoverflow:new5678"
    error_message = "the migrate task must run migrate_image_tag"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.api.container_definitions)[0].image == "123456789012.dkr.ecr.us-east-1.amazonaws.com/taskoverflow:old1234"
    error_message = "the services must keep image_tag until the migrations succeeded"
  }
}
