output "key_arn" {
  description = "ARN of the KMS key."
  value       = aws_kms_key.this.arn
}

output "key_id" {
  description = "ID of the KMS key."
  value       = aws_kms_key.this.key_id
}

output "alias_name" {
  description = "Full alias of the key (`alias/...`)."
  value       = aws_kms_alias.this.name
}

output "rotation_enabled" {
  description = "Whether yearly automatic rotation is on (always true; exposed for tests and audits)."
  value       = aws_kms_key.this.enable_key_rotation
}
