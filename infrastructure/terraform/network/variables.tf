variable "name" {
  description = "Project name; prefixes every resource and is the EKS cluster name used in subnet tags."
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

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC. Each AZ gets a private subnet of 1/8 of it (pods take VPC addresses) and a public and a database subnet of 1/256."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) <= 16
    error_message = "vpc_cidr must be a valid IPv4 CIDR of /16 or larger."
  }
}

variable "az_suffixes" {
  description = "Availability zones to use, as suffixes of the region (a, b, c -> eu-west-1a, eu-west-1b, eu-west-1c). Pinned by name so a zone AWS adds or takes out of service never shifts the subnets."
  type        = list(string)
  default     = ["a", "b", "c"]

  validation {
    condition     = length(var.az_suffixes) >= 2 && length(var.az_suffixes) <= 4 && length(distinct(var.az_suffixes)) == length(var.az_suffixes)
    error_message = "az_suffixes must list 2 to 4 distinct zones (RDS Multi-AZ and EKS need at least 2)."
  }

  validation {
    condition     = alltrue([for s in var.az_suffixes : can(regex("^[a-z]$", s))])
    error_message = "Each entry of az_suffixes is a single letter such as a."
  }
}

variable "single_nat_gateway" {
  description = "Use one NAT gateway for all private subnets instead of one per AZ: cheaper, but an AZ outage then cuts egress for every AZ."
  type        = bool
  default     = false
}

variable "flow_log_retention_days" {
  description = "Days to keep VPC flow logs in CloudWatch Logs."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be a retention period CloudWatch Logs accepts (e.g. 30, 90, 365)."
  }
}

variable "flow_log_traffic_type" {
  description = "Which traffic the VPC flow log records: ACCEPT, REJECT or ALL."
  type        = string
  default     = "ALL"

  validation {
    condition     = contains(["ACCEPT", "REJECT", "ALL"], var.flow_log_traffic_type)
    error_message = "flow_log_traffic_type must be ACCEPT, REJECT or ALL."
  }
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}
