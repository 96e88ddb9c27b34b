output "db_instance_identifier" {
  description = "Identifier of the RDS instance."
  value       = aws_db_instance.this.identifier
}

output "db_host" {
  description = "DNS name of the database (follows a Multi-AZ failover)."
  value       = aws_db_instance.this.address
}

output "db_port" {
  description = "TCP port of the database."
  value       = aws_db_instance.this.port
}

output "db_name" {
  description = "Name of the application database."
  value       = aws_db_instance.this.db_name
}

output "db_master_username" {
  description = "Master user name (the password lives only in the Secrets Manager secret)."
  value       = aws_db_instance.this.username
}

output "db_secret_arn" {
  description = "ARN of the RDS-managed Secrets Manager secret with the master `username` and `password` (JSON)."
  value       = local.master_secret_arn
}

output "db_security_group_id" {
  description = "Security group of the database."
  value       = aws_security_group.database.id
}

output "kms_key_arn" {
  description = "KMS key of the database storage, Performance Insights, logs and master secret."
  value       = module.kms.key_arn
}

output "external_secrets_role_arn" {
  description = "IAM role that External Secrets Operator gets through Pod Identity (namespace/service account below)."
  value       = module.external_secrets_role.role_arn
}

output "external_secrets_service_account" {
  description = "Namespace/service account bound to the External Secrets role."
  value       = "${module.external_secrets_role.namespace}/${module.external_secrets_role.service_account}"
}

output "cluster_vars" {
  description = "Values for the Flux `cluster-vars` ConfigMap (postBuild.substituteFrom) that this stack owns."
  value = {
    DB_HOST                   = aws_db_instance.this.address
    DB_PORT                   = tostring(aws_db_instance.this.port)
    DB_NAME                   = aws_db_instance.this.db_name
    DB_SECRET_ARN             = local.master_secret_arn
    EXTERNAL_SECRETS_ROLE_ARN = module.external_secrets_role.role_arn
    NOTIFICATIONS_SECRET_NAME = local.notifications_secret_name
    SENTRY_SECRET_NAME        = local.sentry_secret_name
  }
}
