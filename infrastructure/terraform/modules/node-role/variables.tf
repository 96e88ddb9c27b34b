variable "name" {
  description = "Name of the IAM role (Karpenter: EC2NodeClass `spec.role` must equal it)."
  type        = string
}

variable "description" {
  description = "Description of the IAM role."
  type        = string
}

variable "tags" {
  description = "Tags added to the role."
  type        = map(string)
  default     = {}
}
