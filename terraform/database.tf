# RDS for PostgreSQL in the private subnets, reachable from the ECS tasks only, and its password.
#
# The password is generated here and kept in Secrets Manager; ECS reads it from there at task
# start (the tasks' PGPASSWORD, see ecs.tf). It never appears in these files, but it is in the
# terraform state: keep the state private (a remote backend with encryption, not a laptop).
# Why not RDS's own managed secret (manage_master_user_password)? RDS rotates that one every 7
# days, and ECS hands a secret to a container only when it starts: running tasks would keep the
# old password and fail to connect after each rotation.

resource "random_password" "db" {
  length = 32
  # RDS forbids / ' " @ and space in master passwords.
  override_special = "!#$%&*()-_=+[]{}<>:?"
}

resource "aws_secretsmanager_secret" "db" {
  # A prefix, not a fixed name: a deleted secret keeps its name for the recovery window.
  name_prefix             = "${var.name}/db-"
  description             = "TaskOverflow PostgreSQL credentials (ECS injects password as PGPASSWORD)"
  recovery_window_in_days = var.secret_recovery_window_days
}

resource "aws_secretsmanager_secret_version" "db" {
  secret_id = aws_secretsmanager_secret.db.id
  # The keys RDS itself uses for database secrets, so tools that read those read this one.
  secret_string = jsonencode({
    engine   = "postgres"
    host     = aws_db_instance.main.address
    port     = aws_db_instance.main.port
    dbname   = var.db_name
    username = var.db_username
    password = random_password.db.result
  })
}

resource "aws_db_subnet_group" "main" {
  name       = var.name
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_db_instance" "main" {
  identifier     = var.name
  engine         = "postgres"
  engine_version = var.db_engine_version
  instance_class = var.db_instance_class

  db_name  = var.db_name
  username = var.db_username
  password = random_password.db.result

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
  # Used only when db_final_snapshot is true; a second destroy needs another name (or none).
  final_snapshot_identifier = "${var.name}-final"

  auto_minor_version_upgrade = true
}
