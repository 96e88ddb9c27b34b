variable "name" {
  description = "Project name; prefixes every resource and the name of the EKS cluster."
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
  description = "S3 bucket holding the Terraform state (output `state_bucket_name` of the bootstrap stack); the network stack's state is read from `<name>/network/terraform.tfstate` in it."
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

variable "kubernetes_version" {
  # 1.35: in EKS standard support until 2027-03-27 (1.34's ended 2026-12-02). Karpenter >= 1.9
  # supports it; infrastructure/flux/tests validate the manifests against this same version.
  description = "Kubernetes <major>.<minor> version of the EKS control plane, e.g. 1.35. Upgrade one minor version at a time."
  type        = string
  default     = "1.35"

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must look like 1.35."
  }
}

variable "support_type" {
  description = "EKS upgrade policy: STANDARD (auto-upgrade at the end of standard support) or EXTENDED (keeps the version longer at about six times the control-plane price)."
  type        = string
  default     = "STANDARD"

  validation {
    condition     = contains(["STANDARD", "EXTENDED"], var.support_type)
    error_message = "support_type must be STANDARD or EXTENDED."
  }
}

variable "endpoint_public_access_cidrs" {
  description = "CIDRs allowed to reach the public Kubernetes API endpoint. Empty (default) keeps the endpoint private-only: kubectl then has to run from inside the VPC (VPN, bastion, SSM)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.endpoint_public_access_cidrs : can(cidrhost(cidr, 0))])
    error_message = "Every entry of endpoint_public_access_cidrs must be an IPv4 CIDR such as 203.0.113.7/32."
  }

  validation {
    condition     = !contains(var.endpoint_public_access_cidrs, "0.0.0.0/0")
    error_message = "Never open the Kubernetes API to 0.0.0.0/0; list the operators' CIDRs instead."
  }
}

variable "enable_cluster_creator_admin_permissions" {
  description = "Give the identity that creates the cluster an admin access entry, so terraform-apply.sh can bootstrap Flux. Changing it later replaces the cluster."
  type        = bool
  default     = true
}

variable "cluster_admin_principal_arns" {
  description = "IAM role/user ARNs that get cluster-admin through EKS access entries (AmazonEKSClusterAdminPolicy)."
  type        = list(string)
  default     = []
}

variable "log_retention_days" {
  description = "Days to keep the control-plane logs in CloudWatch Logs."
  type        = number
  default     = 365

  validation {
    condition     = contains(local.cloudwatch_retention_days, var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts (e.g. 30, 90, 365)."
  }
}

variable "pod_log_retention_days" {
  description = "Days to keep pod, node and Container Insights logs (/aws/containerinsights/<name>/*) in CloudWatch Logs."
  type        = number
  default     = 30

  validation {
    condition     = contains(local.cloudwatch_retention_days, var.pod_log_retention_days)
    error_message = "pod_log_retention_days must be a retention period CloudWatch Logs accepts (e.g. 7, 30, 90)."
  }
}

variable "cloudwatch_observability" {
  description = "Install the amazon-cloudwatch-observability add-on (pod logs to CloudWatch). Its operator needs nodes without the system group's taint: on a new cluster, apply with false first and true once Karpenter has capacity (terraform-apply.sh does both)."
  type        = bool
  default     = true
}

variable "addon_versions" {
  description = "Pinned versions of the EKS add-ons by name (vpc-cni, coredns, kube-proxy, eks-pod-identity-agent, amazon-cloudwatch-observability); an add-on not listed gets the default version for the cluster's Kubernetes version."
  type        = map(string)
  default     = {}
}

variable "system_node_instance_types" {
  description = "Instance types of the managed node group for system pods (CoreDNS, Karpenter, Flux, ingress)."
  type        = list(string)
  default     = ["t3.large"]
}

variable "system_node_size" {
  description = "Minimum, desired and maximum node count of the system node group."
  type = object({
    min     = number
    desired = number
    max     = number
  })
  default = { min = 2, desired = 2, max = 3 }

  validation {
    condition     = var.system_node_size.min >= 1 && var.system_node_size.min <= var.system_node_size.desired && var.system_node_size.desired <= var.system_node_size.max
    error_message = "system_node_size needs 1 <= min <= desired <= max."
  }
}

variable "system_node_disk_size" {
  description = "Root volume size (GiB) of the system nodes."
  type        = number
  default     = 30
}

variable "karpenter_namespace" {
  description = "Namespace the Karpenter controller is installed in (by Flux); the Pod Identity association is made for it."
  type        = string
  default     = "kube-system"
}

variable "karpenter_service_account" {
  description = "Service account of the Karpenter controller."
  type        = string
  default     = "karpenter"
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}
