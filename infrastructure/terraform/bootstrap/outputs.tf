output "state_bucket_name" {
  description = "Name of the S3 bucket that holds the state of the other stacks."
  value       = aws_s3_bucket.state.bucket
}

output "state_bucket_arn" {
  description = "ARN of the state bucket."
  value       = aws_s3_bucket.state.arn
}

output "state_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the state objects."
  value       = module.kms.key_arn
}

output "region" {
  description = "Region of the state bucket (backend option `region`)."
  value       = var.region
}

output "backend_config" {
  description = "Partial backend configuration for the other stacks: pass each entry as `-backend-config=KEY=VALUE` (the key is `<name>/<stack>/terraform.tfstate`)."
  value = {
    bucket = aws_s3_bucket.state.bucket
    region = var.region
  }
}
