# One log group for every task; streams are named ecs/<container>/<task id>, so the api,
# worker and migrate logs stay apart. The app logs JSON lines (pino): CloudWatch Logs Insights
# can query their fields.

resource "aws_cloudwatch_log_group" "app" {
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days
}
