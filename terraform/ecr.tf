# The image registry. Tags are immutable: image_tag names exactly one build, so a task started
# next week runs what was deployed today, and a rollback is `scripts/deploy.sh <old tag>` for
# any of the last ecr_keep_images images (older ones are expired: rebuild them from git).

resource "aws_ecr_repository" "app" {
  name                 = var.name
  image_tag_mutability = "IMMUTABLE"
  force_delete         = var.ecr_force_delete

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "AES256"
  }
}

resource "aws_ecr_lifecycle_policy" "app" {
  repository = aws_ecr_repository.app.name

  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Untagged images (interrupted pushes) after a day"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = 1
        }
        action = { type = "expire" }
      },
      {
        # "any" must come last (highest number). Keep enough to roll back a few deployments.
        rulePriority = 2
        description  = "Keep the ${var.ecr_keep_images} most recent images"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = var.ecr_keep_images
        }
        action = { type = "expire" }
      }
    ]
  })
}
