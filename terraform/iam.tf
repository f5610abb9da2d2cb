# The two roles of an ECS task:
# - the execution role: what ECS itself does before and around the container (pull the image,
#   send logs, read the database secret into PGPASSWORD);
# - the task role: what the container's own code may do. TaskOverflow calls no AWS API, so it
#   gets no permissions at all.
# Either can be given instead (AWS Academy Learner Lab accounts cannot create roles: pass
# LabRole's ARN for both); otherwise these least-privilege roles are created.

locals {
  create_execution_role = var.execution_role_arn == null
  create_task_role      = var.task_role_arn == null
  execution_role_arn    = local.create_execution_role ? one(aws_iam_role.execution[*].arn) : var.execution_role_arn
  task_role_arn         = local.create_task_role ? one(aws_iam_role.task[*].arn) : var.task_role_arn
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  count = local.create_execution_role ? 1 : 0

  name_prefix        = "${var.name}-exec-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

locals {
  # The API token's secret, when there is one: its ARN without a "<json key>::" suffix.
  api_token_secret_arns = var.api_token_secret_arn == null ? [] : [regex("^(arn:[^:]+:secretsmanager:[^:]+:[^:]+:secret:[^:]+)", var.api_token_secret_arn)[0]]
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid = "EcrLogin"
    # Not scoped by the API: a registry login token is account-wide.
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "PullThisRepository"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    resources = [aws_ecr_repository.app.arn]
  }

  statement {
    sid       = "WriteThisLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.app.arn}:*"]
  }

  statement {
    sid = "ReadTheDatabaseSecret"
    # The secret RDS manages, encrypted with the account's default Secrets Manager key, so no
    # kms:Decrypt is needed.
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [local.db_secret_arn]
  }

  dynamic "statement" {
    for_each = local.api_token_secret_arns
    content {
      sid       = "ReadTheApiTokenSecret"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  count = local.create_execution_role ? 1 : 0

  name   = "pull-log-read-secret"
  role   = aws_iam_role.execution[0].id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_iam_role" "task" {
  count = local.create_task_role ? 1 : 0

  name_prefix        = "${var.name}-task-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}
