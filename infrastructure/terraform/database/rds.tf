################################################################################
# RDS PostgreSQL, Multi-AZ, TLS only, password managed by RDS
################################################################################

resource "aws_db_parameter_group" "this" {
  name        = "${var.name}-postgres${var.engine_version}"
  family      = "postgres${var.engine_version}"
  description = "PostgreSQL ${var.engine_version} for ${var.name}: TLS only, slow query and DDL logging"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = tostring(var.slow_query_ms)
  }

  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name  = "log_connections"
    value = "1"
  }

  parameter {
    name  = "log_disconnections"
    value = "1"
  }

  lifecycle {
    create_before_destroy = true
  }
}

# Created before the instance so the exported logs get retention and encryption.
resource "aws_cloudwatch_log_group" "postgres" {
  for_each = toset(local.log_types)

  name              = "/aws/rds/instance/${local.identifier}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = module.kms.key_arn
}

data "aws_iam_policy_document" "monitoring_trust" {
  statement {
    sid     = "RDSMonitoringAssumeRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "monitoring" {
  name               = "${var.name}-rds-monitoring"
  description        = "RDS enhanced monitoring of ${var.name}"
  assume_role_policy = data.aws_iam_policy_document.monitoring_trust.json
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  role       = aws_iam_role.monitoring.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

resource "aws_db_instance" "this" {
  identifier     = local.identifier
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class
  port           = local.port

  db_name                       = var.db_name
  username                      = var.master_username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = module.kms.key_arn

  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = module.kms.key_arn

  multi_az               = var.multi_az
  db_subnet_group_name   = local.network.database_subnet_group_name
  vpc_security_group_ids = [aws_security_group.database.id]
  publicly_accessible    = false
  parameter_group_name   = aws_db_parameter_group.this.name

  iam_database_authentication_enabled = true
  auto_minor_version_upgrade          = true
  allow_major_version_upgrade         = false
  apply_immediately                   = false

  backup_retention_period   = var.backup_retention_days
  backup_window             = var.backup_window
  maintenance_window        = var.maintenance_window
  copy_tags_to_snapshot     = true
  delete_automated_backups  = false
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = coalesce(var.final_snapshot_identifier, "${local.identifier}-final")

  enabled_cloudwatch_logs_exports       = local.log_types
  performance_insights_enabled          = true
  performance_insights_kms_key_id       = module.kms.key_arn
  performance_insights_retention_period = var.performance_insights_retention_days
  monitoring_interval                   = var.monitoring_interval
  monitoring_role_arn                   = aws_iam_role.monitoring.arn

  depends_on = [
    aws_cloudwatch_log_group.postgres,
    aws_iam_role_policy_attachment.monitoring,
  ]
}
