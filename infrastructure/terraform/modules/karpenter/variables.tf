variable "cluster_name" {
  description = "Name of the EKS cluster Karpenter provisions nodes for."
  type        = string
}

variable "cluster_arn" {
  description = "ARN of the EKS cluster (the controller may describe it to discover the API endpoint)."
  type        = string
}

variable "namespace" {
  description = "Namespace the Karpenter controller runs in."
  type        = string
  default     = "kube-system"
}

variable "service_account" {
  description = "Service account of the Karpenter controller."
  type        = string
  default     = "karpenter"
}

variable "node_role_name" {
  description = "Name of the IAM role of the nodes Karpenter launches; EC2NodeClass `spec.role` must equal it. Defaults to `<cluster_name>-karpenter-node`."
  type        = string
  default     = null
}

variable "queue_name" {
  description = "Name of the SQS interruption queue (Helm value `settings.interruptionQueue`). Defaults to the cluster name."
  type        = string
  default     = null
}

variable "queue_message_retention_seconds" {
  description = "How long an interruption event stays in the queue; events older than a few minutes are useless."
  type        = number
  default     = 300
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
