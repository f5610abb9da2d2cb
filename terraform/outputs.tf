# What you need after `terraform apply`: `terraform output` lists them, `terraform output -raw
# NAME` prints one for a script.

locals {
  public_url = local.https ? "https://${aws_lb.api.dns_name}" : "http://${aws_lb.api.dns_name}"
}

output "url" {
  description = "The API's base URL (the load balancer)"
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

output "ecr_repository_url" {
  description = "Where to push the image: docker push <this>:<image_tag>"
  value       = aws_ecr_repository.app.repository_url
}

output "db_endpoint" {
  description = "PostgreSQL host:port (reachable from the ECS tasks only)"
  value       = aws_db_instance.main.endpoint
}

output "db_secret_arn" {
  description = "Secrets Manager secret with the database credentials (JSON: username, password, host, ...)"
  value       = aws_secretsmanager_secret.db.arn
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

output "run_migrations_command" {
  description = "Runs the migrate task once (AWS CLI); it exits when the schema is up to date"
  value = join(" ", [
    "aws ecs run-task --region ${var.region} --cluster ${aws_ecs_cluster.main.name}",
    "--launch-type FARGATE --task-definition ${aws_ecs_task_definition.migrate.family}",
    "--network-configuration 'awsvpcConfiguration={subnets=[${join(",", aws_subnet.public[*].id)}],securityGroups=[${aws_security_group.app.id}],assignPublicIp=ENABLED}'",
  ])
}
