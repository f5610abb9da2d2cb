# RDS for PostgreSQL in the private subnets, reachable from the ECS tasks only.
#
# The master password is RDS's own (manage_master_user_password): RDS generates it and keeps it
# in a Secrets Manager secret it manages, so it is in neither these files nor the terraform
# state. ECS reads it from that secret when a task starts (PGPASSWORD, see ecs.tf).
# Rotation: RDS rotates that secret (every 7 days by default). A running task keeps the password
# it started with, and its new connections fail after a rotation until the task is replaced:
# run `scripts/deploy.sh --restart` (a new deployment of both services, same image) after each
# rotation, or set the secret's rotation schedule in Secrets Manager to suit your releases.

resource "aws_db_subnet_group" "main" {
  name       = var.name
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_db_instance" "main" {
  identifier     = var.name
  engine         = "postgres"
  engine_version = var.db_engine_version
  instance_class = var.db_instance_class

  db_name                     = var.db_name
  username                    = var.db_username
  manage_master_user_password = true

  allocated_storage     = var.db_allocated_storage
  max_allocated_storage = var.db_max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true

  db_subnet_group_name   = aws_db_subnet_group.main.name
  vpc_security_group_ids = [aws_security_group.db.id]
  publicly_accessible    = false
  multi_az               = var.db_multi_az
  port                   = local.db_port
  # The CA that signs the server certificate; the image carries the bundle with every RDS CA.
  ca_cert_identifier = "rds-ca-rsa2048-g1"

  backup_retention_period = var.db_backup_retention_days
  copy_tags_to_snapshot   = true
  deletion_protection     = var.db_deletion_protection
  skip_final_snapshot     = !var.db_final_snapshot
  # Used only when db_final_snapshot is true. Named after the instance's creation time, so a
  # database created again after a destroy leaves a snapshot of a different name when it goes.
  final_snapshot_identifier = "${var.name}-final-${formatdate("YYYYMMDDhhmmss", timestamp())}"

  auto_minor_version_upgrade = true

  lifecycle {
    # timestamp() changes on every plan: only the value from the creation is kept.
    ignore_changes = [final_snapshot_identifier]
  }
}

locals {
  # The Secrets Manager secret RDS manages (JSON with username and password).
  db_secret_arn = aws_db_instance.main.master_user_secret[0].secret_arn
}
