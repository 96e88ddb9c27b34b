variable "name" {
  description = "Name of the IAM role."
  type        = string
}

variable "description" {
  description = "Description of the IAM role."
  type        = string
  default     = "Assumed through EKS Pod Identity"
}

variable "cluster_name" {
  description = "Name of the EKS cluster whose pods may assume the role."
  type        = string
}

variable "namespace" {
  description = "Kubernetes namespace of the service account."
  type        = string
}

variable "service_account" {
  description = "Kubernetes service account that receives the role."
  type        = string
}

variable "policy_json" {
  description = "IAM policy document (JSON) granted to the role as an inline policy."
  type        = string
}

variable "tags" {
  description = "Tags added to the role and the association."
  type        = map(string)
  default     = {}
}
