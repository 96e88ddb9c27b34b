variable "name" {
  description = "Project name; prefixes every resource and locates the other stacks' state (`<name>/<stack>/terraform.tfstate`)."
  type        = string
  default     = "takehome"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name must be 2-31 lower-case letters, digits or '-', starting with a letter."
  }
}

variable "region" {
  description = "AWS region."
  type        = string
  default     = "eu-west-1"
}

variable "state_bucket" {
  description = "S3 bucket holding the Terraform state (output `state_bucket_name` of the bootstrap stack); the network and cluster stacks are read from `<name>/{network,cluster}/terraform.tfstate` in it."
  type        = string

  validation {
    condition     = length(var.state_bucket) >= 3
    error_message = "state_bucket must name the state bucket created by the bootstrap stack."
  }
}

variable "state_region" {
  description = "Region of the state bucket; defaults to `region`."
  type        = string
  default     = null
}

variable "engine_version" {
  description = "PostgreSQL major version (RDS picks the newest minor and applies minor upgrades in the maintenance window)."
  type        = string
  default     = "17"

  validation {
    condition     = can(regex("^[0-9]{2}$", var.engine_version))
    error_message = "engine_version is a major version such as 17; minor versions are upgraded automatically."
  }
}

variable "instance_class" {
  description = "RDS instance class. Performance Insights needs db.t4g.medium or larger."
  type        = string
  default     = "db.t4g.medium"
}

variable "allocated_storage" {
  description = "Initial gp3 storage in GiB."
  type        = number
  default     = 20
}

variable "max_allocated_storage" {
  description = "Upper limit in GiB for storage autoscaling."
  type        = number
  default     = 100
}

variable "db_name" {
  description = "Name of the application database."
  type        = string
  default     = "realworld"
}

variable "master_username" {
  description = "Master user name; its password is generated and rotated by RDS in Secrets Manager."
  type        = string
  default     = "realworld"
}

variable "multi_az" {
  description = "Run a synchronous standby in a second AZ (automatic failover; doubles the instance cost)."
  type        = bool
  default     = true
}

variable "backup_retention_days" {
  description = "Days to keep automated nightly backups (point-in-time recovery window)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 7 and 35."
  }
}

variable "backup_window" {
  description = "Daily UTC window for automated backups (hh24:mi-hh24:mi); must not overlap the maintenance window."
  type        = string
  default     = "02:00-03:00"
}

variable "maintenance_window" {
  description = "Weekly UTC maintenance window (ddd:hh24:mi-ddd:hh24:mi)."
  type        = string
  default     = "sun:03:30-sun:04:30"
}

variable "deletion_protection" {
  description = "Refuse to delete the instance; terraform-destroy.sh turns it off explicitly before destroying."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Delete without a final snapshot. Keep false outside throw-away environments."
  type        = bool
  default     = false
}

variable "final_snapshot_identifier" {
  description = "Name of the snapshot taken when the instance is deleted; defaults to `<name>-final`. terraform-destroy.sh sets a dated one."
  type        = string
  default     = null
}

variable "performance_insights_retention_days" {
  description = "Days of Performance Insights history (7 is free; otherwise a multiple of 31, up to 731)."
  type        = number
  default     = 7
}

variable "monitoring_interval" {
  description = "Seconds between enhanced monitoring samples (1, 5, 10, 15, 30 or 60)."
  type        = number
  default     = 60

  validation {
    condition     = contains([1, 5, 10, 15, 30, 60], var.monitoring_interval)
    error_message = "monitoring_interval must be 1, 5, 10, 15, 30 or 60 (0 would turn enhanced monitoring off)."
  }
}

variable "log_retention_days" {
  description = "Days to keep the exported PostgreSQL logs in CloudWatch Logs."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts (e.g. 30, 90, 365)."
  }
}

variable "slow_query_ms" {
  description = "Log statements that run longer than this many milliseconds (log_min_duration_statement)."
  type        = number
  default     = 500
}

variable "external_secrets_namespace" {
  description = "Namespace of External Secrets Operator, which reads the master secret for the app."
  type        = string
  default     = "external-secrets"
}

variable "external_secrets_service_account" {
  description = "Service account of External Secrets Operator."
  type        = string
  default     = "external-secrets"
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}
