output "arn" {
  description = "ARN of the node role."
  value       = aws_iam_role.this.arn
}

output "name" {
  description = "Name of the node role."
  value       = aws_iam_role.this.name
}

output "policy_arns" {
  description = "ARNs of the AWS-managed policies attached to the role."
  value       = [for attachment in aws_iam_role_policy_attachment.this : attachment.policy_arn]
}
