#!/usr/bin/env bash
# npm run deploy [-- TAG]: one release to AWS, start to end (README, Deployment):
#   1. build the image and push it to ECR as TAG (default: the current commit; an existing tag
#      is not built again: that is a rollback)
#   2. run the migrations as a one-shot ECS task with that image; stop unless it exits 0
#      (skipped for an image that was already in ECR: migrations only go forward, and an older
#      image's migrate task would refuse a database that has newer ones)
#   3. point both services at the image (terraform apply)
#   4. wait until the services are stable (new tasks healthy, old ones drained)
# `scripts/deploy.sh --restart` replaces the running tasks with fresh ones of the same image
# (after RDS rotated the database password: see terraform/database.tf).
# Needs: docker, the AWS CLI (v2) with credentials, terraform, and terraform/terraform.tfvars.
# The first run creates everything (about 15 minutes, most of it RDS).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "deploy: $*"; }
tf() { terraform -chdir=terraform "$@"; }
out() { tf output -raw "$1"; }

for tool in docker aws terraform git; do
  command -v "$tool" >/dev/null || { say "$tool is required"; exit 1; }
done
[ -f terraform/terraform.tfvars ] || { say "copy terraform/terraform.tfvars.example to terraform/terraform.tfvars and edit it first"; exit 1; }
tf init -input=false >/dev/null

if [ "${1:-}" = --restart ]; then
  region=$(out region) cluster=$(out cluster_name)
  for service in "$(out api_service_name)" "$(out worker_service_name)"; do
    aws ecs update-service --region "$region" --cluster "$cluster" --service "$service" --force-new-deployment >/dev/null
  done
  say "waiting for fresh tasks of the same image"
  aws ecs wait services-stable --region "$region" --cluster "$cluster" --services "$(out api_service_name)" "$(out worker_service_name)"
  exit 0
fi

tag=${1:-$(git rev-parse --short=12 HEAD)}
[ "$tag" != latest ] || { say "latest is not a tag to deploy"; exit 1; }
if [ -z "${1:-}" ] && [ -n "$(git status --porcelain)" ]; then
  say "the working tree has uncommitted changes: commit them, or name a tag to deploy"
  exit 1
fi
# image.auto.tfvars (git-ignored) remembers the deployed tag, so a later plain `terraform apply`
# keeps it rather than asking, and the next deployment knows what runs.
apply() { tf apply -input=false -auto-approve -var "image_tag=$tag" "$@"; }

# ---- 1. the image, in ECR ----
say "registry"
apply -target=aws_ecr_repository.app -target=aws_ecr_lifecycle_policy.app >/dev/null
region=$(out region) repository=$(out ecr_repository_url)
built=
if aws ecr describe-images --region "$region" --repository-name "${repository#*/}" --image-ids "imageTag=$tag" >/dev/null 2>&1; then
  say "$repository:$tag is already there (a rollback): not built again, and no migrations"
else
  built=1
  platform=linux/amd64
  grep -Eq '^\s*cpu_architecture\s*=\s*"ARM64"' terraform/terraform.tfvars && platform=linux/arm64
  say "building $repository:$tag ($platform)"
  docker build --platform "$platform" -t "$repository:$tag" .
  aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "${repository%%/*}"
  docker push "$repository:$tag"
fi

# ---- 2. migrations, as a one-shot task of the new image ----
# Everything but the services' image: the services keep the deployed tag while the migrate
# task gets the new one. On the first run there is no deployed tag; the services then start on
# the new image and migrate at start (safe with several at once) until step 3.
previous=$(sed -n 's/^image_tag = "\(.*\)"$/\1/p' terraform/image.auto.tfvars 2>/dev/null || true)
say "infrastructure and the migrate task (${previous:+services stay on $previous}${previous:-first run: about 15 minutes})"
if [ -n "$previous" ]; then
  tf apply -input=false -auto-approve -var "image_tag=$previous" -var "migrate_image_tag=$tag"
else
  apply -var migrate_on_start=true
fi
cluster=$(out cluster_name)
if [ -n "$built" ]; then
  task=$(aws ecs run-task --region "$region" --cluster "$cluster" --launch-type FARGATE \
    --task-definition "$(out migrate_task_family)" \
    --network-configuration "$(out task_network_configuration)" \
    --query 'tasks[0].taskArn' --output text)
  say "migrating: $task (logs: $(out log_group_name))"
  aws ecs wait tasks-stopped --region "$region" --cluster "$cluster" --tasks "$task"
  exit_code=$(aws ecs describe-tasks --region "$region" --cluster "$cluster" --tasks "$task" \
    --query 'tasks[0].containers[0].exitCode' --output text)
  if [ "$exit_code" != 0 ]; then
    reason=$(aws ecs describe-tasks --region "$region" --cluster "$cluster" --tasks "$task" --query 'tasks[0].stoppedReason' --output text)
    say "migrations failed (exit code $exit_code: $reason); the services still run the previous image"
    exit 1
  fi
fi

# ---- 3. the services, on the new image ----
say "updating the services to $tag"
apply
echo "image_tag = \"$tag\"" >terraform/image.auto.tfvars

# ---- 4. steady state ----
say "waiting for the services to become stable"
aws ecs wait services-stable --region "$region" --cluster "$cluster" --services "$(out api_service_name)" "$(out worker_service_name)"
say "deployed $tag: $(out api_url)"
