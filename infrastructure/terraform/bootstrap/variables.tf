variable "name" {
  description = "Project name; prefixes every resource and is the cluster name in the other stacks."
  type        = string
  default     = "takehome"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name must be 2-31 lower-case letters, digits or '-', starting with a letter."
  }
}

variable "region" {
  description = "AWS region of the state bucket."
  type        = string
  default     = "eu-west-1"
}

variable "state_bucket_name" {
  description = "Name of the S3 bucket for Terraform state. Defaults to `<name>-tfstate-<account id>-<region>`, which is globally unique."
  type        = string
  default     = null
}

variable "noncurrent_version_retention_days" {
  description = "Days to keep superseded state versions (for recovery) before S3 deletes them."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_retention_days >= 30
    error_message = "Keep old state versions for at least 30 days."
  }
}

variable "force_destroy" {
  description = "Allow `terraform destroy` to delete the bucket with all state versions in it. Keep false; terraform-destroy.sh sets it only when asked to remove the bucket."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}
