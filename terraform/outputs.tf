# What you need after `terraform apply`: `terraform output` lists them, `terraform output -raw
# NAME` prints one for a script (scripts/deploy.sh reads several).

output "url" {
  description = "The API's base URL: public_url if set, else the load balancer"
  value       = local.public_url
}

output "api_url" {
  description = "Base of every endpoint, as the README's API variable"
  value       = "${local.public_url}/api/v1"
}

output "swagger_url" {
  description = "Swagger UI"
  value       = "${local.public_url}/docs"
}

output "region" {
  description = "AWS region of everything here"
  value       = var.region
}

output "ecr_repository_url" {
  description = "Where to push the image: docker push <this>:<image_tag>"
  value       = aws_ecr_repository.app.repository_url
}

output "db_endpoint" {
  description = "PostgreSQL host:port (reachable from the ECS tasks only)"
  value       = aws_db_instance.main.endpoint
}

output "db_secret_arn" {
  description = "The Secrets Manager secret RDS manages for the master user (JSON: username, password)"
  value       = local.db_secret_arn
}

output "cluster_name" {
  description = "ECS cluster"
  value       = aws_ecs_cluster.main.name
}

output "api_service_name" {
  description = "ECS service of the API"
  value       = aws_ecs_service.api.name
}

output "worker_service_name" {
  description = "ECS service of the calendar workers"
  value       = aws_ecs_service.worker.name
}

output "log_group_name" {
  description = "CloudWatch log group of every task"
  value       = aws_cloudwatch_log_group.app.name
}

output "migrate_task_family" {
  description = "Task definition family of the one-shot migrate task (scripts/deploy.sh runs it)"
  value       = aws_ecs_task_definition.migrate.family
}

output "task_network_configuration" {
  description = "awsvpcConfiguration for `aws ecs run-task --network-configuration` (the services' own)"
  value = jsonencode({
    awsvpcConfiguration = {
      subnets        = aws_subnet.public[*].id
      securityGroups = [aws_security_group.app.id]
      assignPublicIp = "ENABLED"
    }
  })
}
