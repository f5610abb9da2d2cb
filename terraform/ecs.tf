# The ECS cluster, three task definitions from one image (api, worker, migrate: they differ only
# in command and environment, as in docker-compose.yml), and two services: the API behind the
# load balancer, and the calendar workers with a count of their own. The migrate task is a
# one-shot task that scripts/deploy.sh runs, and waits for, before it updates the services.

locals {
  image = "${aws_ecr_repository.app.repository_url}:${var.image_tag}"

  # No password in the URL: node-postgres takes a password the connection string lacks from the
  # PGPASSWORD environment variable (val('password', ...) in node_modules/pg/lib/connection-
  # parameters.js falls back to process.env.PGPASSWORD), and ECS sets PGPASSWORD from the
  # secret below. No sslmode either: TLS is DATABASE_SSL's business.
  database_url = "postgres://${var.db_username}@${aws_db_instance.main.address}:${aws_db_instance.main.port}/${var.db_name}"
  # Where the Dockerfile puts the RDS CA bundle.
  rds_ca_bundle = "/etc/ssl/certs/rds-global-bundle.pem"

  # A worker told to stop lets active jobs finish for SHUTDOWN_TIMEOUT_MS, and the entry
  # points allow 10 s more; ECS waits stopTimeout (at most 120 s on Fargate) before SIGKILL.
  shutdown_timeout_ms  = 25000
  stop_timeout_seconds = 60

  # The worker's health listener (WORKER_HTTP_PORT), inside the task only: no port mapping.
  worker_health_port = 6401
  # ECS ignores the image's HEALTHCHECK, so each long-running container gets the same probe
  # here (src/health/probe.ts): the API's liveness route, which does not ask the database (a
  # database outage must not get every API task replaced), and the worker's GET /health, which
  # does (a worker that cannot reach the queue does nothing; it is replaced after ~1.5 min).
  health_check = {
    command     = ["CMD", "node", "dist/src/health/probe.js"]
    interval    = 15
    timeout     = 5
    retries     = 3
    startPeriod = 30
  }

  # Task URLs from the load balancer's name (or var.public_url, for a domain of your own),
  # never from a request's Host header.
  public_url = coalesce(var.public_url, local.lb_url)

  environment = concat(
    [
      { name = "NODE_ENV", value = "production" },
      { name = "LOG_LEVEL", value = var.log_level },
      { name = "DATABASE_URL", value = local.database_url },
      { name = "DATABASE_SSL", value = var.database_ssl },
      { name = "DATABASE_POOL_MAX", value = tostring(var.database_pool_max) },
      { name = "SHUTDOWN_TIMEOUT_MS", value = tostring(local.shutdown_timeout_ms) },
    ],
    var.database_ssl == "verify" ? [{ name = "DATABASE_SSL_CA", value = local.rds_ca_bundle }] : [],
  )

  api_environment = [
    { name = "MIGRATE_ON_START", value = tostring(var.migrate_on_start) },
    { name = "HOST", value = "0.0.0.0" },
    { name = "PORT", value = tostring(local.app_port) },
    # Jobs run in the worker service; the load balancer sets X-Forwarded-Proto.
    { name = "WORKER_MODE", value = "off" },
    { name = "TRUST_PROXY", value = "true" },
    { name = "PUBLIC_URL", value = local.public_url },
  ]

  # The API token comes from Secrets Manager into the API's environment when the task starts,
  # like PGPASSWORD: never a plain environment value, so it is in neither the task definition
  # nor the terraform state. Only the API serves requests that need it.
  api_secrets = var.api_token_secret_arn == null ? [] : [{ name = "API_TOKEN", valueFrom = var.api_token_secret_arn }]

  # What every container shares; each task definition adds its name, command and environment.
  container = {
    image       = local.image
    essential   = true
    stopTimeout = local.stop_timeout_seconds
    secrets = [
      # "<secret arn>:<json key>::" picks one key of the JSON secret.
      { name = "PGPASSWORD", valueFrom = "${local.db_secret_arn}:password::" },
    ]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group"         = aws_cloudwatch_log_group.app.name
        "awslogs-region"        = var.region
        "awslogs-stream-prefix" = "ecs"
      }
    }
  }
}

resource "aws_ecs_cluster" "main" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = var.container_insights ? "enabled" : "disabled"
  }
}

resource "aws_ecs_task_definition" "api" {
  family                   = "${var.name}-api"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.api_cpu
  memory                   = var.api_memory
  execution_role_arn       = local.execution_role_arn
  task_role_arn            = local.task_role_arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  container_definitions = jsonencode([merge(local.container, {
    name         = "api"
    command      = ["node", "dist/src/server.js"]
    portMappings = [{ containerPort = local.app_port, protocol = "tcp" }]
    environment  = concat(local.environment, local.api_environment)
    secrets      = concat(local.container.secrets, local.api_secrets)
    healthCheck  = local.health_check
  })])
}

resource "aws_ecs_task_definition" "worker" {
  family                   = "${var.name}-worker"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.worker_cpu
  memory                   = var.worker_memory
  execution_role_arn       = local.execution_role_arn
  task_role_arn            = local.task_role_arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  container_definitions = jsonencode([merge(local.container, {
    name    = "worker"
    command = ["node", "dist/src/worker.js"]
    environment = concat(local.environment, [
      { name = "MIGRATE_ON_START", value = tostring(var.migrate_on_start) },
      { name = "WORKER_CONCURRENCY", value = tostring(var.worker_concurrency) },
      { name = "WORKER_HTTP_PORT", value = tostring(local.worker_health_port) },
    ])
    healthCheck = local.health_check
  })])
}

resource "aws_ecs_task_definition" "migrate" {
  family                   = "${var.name}-migrate"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = local.execution_role_arn
  task_role_arn            = local.task_role_arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  container_definitions = jsonencode([merge(local.container, {
    name        = "migrate"
    image       = "${aws_ecr_repository.app.repository_url}:${coalesce(var.migrate_image_tag, var.image_tag)}"
    command     = ["node", "dist/src/migrate.js"]
    environment = local.environment
  })])
}

resource "aws_ecs_service" "api" {
  name            = "${var.name}-api"
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.api.arn
  desired_count   = var.api_desired_count
  launch_type     = "FARGATE"

  # Start new tasks before stopping old ones; give a new task time to migrate and start
  # before failed load balancer health checks count against it.
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = 60

  # A deployment whose tasks never become healthy stops and rolls back to the last good one.
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = aws_subnet.public[*].id
    security_groups  = [aws_security_group.app.id]
    assign_public_ip = true # to reach ECR, logs and Secrets Manager: see network.tf
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = local.app_port
  }

  # The target group must belong to a load balancer (through a listener) first.
  depends_on = [aws_lb_listener.http, aws_lb_listener.https]
}

resource "aws_ecs_service" "worker" {
  name            = "${var.name}-worker"
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.worker.arn
  desired_count   = var.worker_desired_count
  launch_type     = "FARGATE"

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = aws_subnet.public[*].id
    security_groups  = [aws_security_group.app.id]
    assign_public_ip = true
  }

  lifecycle {
    # With worker_autoscaling the autoscaler owns the count; an apply must not reset it.
    ignore_changes = [desired_count]
  }
}
