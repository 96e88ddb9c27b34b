variable "alias_name" {
  description = "Alias of the key without the `alias/` prefix, e.g. `takehome-eks`."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9/_-]+$", var.alias_name)) && !startswith(var.alias_name, "aws/")
    error_message = "alias_name may hold letters, digits, '/', '_' and '-' and must not start with 'aws/'."
  }
}

variable "description" {
  description = "What the key protects; shown in the KMS console."
  type        = string
}

variable "deletion_window_in_days" {
  description = "Days KMS waits before deleting the key after it is scheduled for deletion (7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "deletion_window_in_days must be between 7 and 30."
  }
}

variable "allow_cloudwatch_logs" {
  description = "Let CloudWatch Logs in this account and region use the key for log groups (needed when log groups are encrypted with it)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to the key."
  type        = map(string)
  default     = {}
}
