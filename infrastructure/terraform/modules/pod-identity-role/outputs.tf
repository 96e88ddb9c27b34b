output "role_arn" {
  description = "ARN of the IAM role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the IAM role."
  value       = aws_iam_role.this.name
}

output "association_id" {
  description = "ID of the EKS Pod Identity association."
  value       = aws_eks_pod_identity_association.this.association_id
}

output "namespace" {
  description = "Namespace of the associated service account."
  value       = aws_eks_pod_identity_association.this.namespace
}

output "service_account" {
  description = "Name of the associated service account."
  value       = aws_eks_pod_identity_association.this.service_account
}
