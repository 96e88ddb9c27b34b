# Offline tests of the state bucket (AWS provider mocked).

mock_provider "aws" {
  source = "../testing/mocks"
}

run "bucket_name_is_derived_from_account_and_region" {
  command = plan

  assert {
    condition     = aws_s3_bucket.state.bucket == "takehome-tfstate-123456789012-eu-west-1"
    error_message = "The default bucket name must be <name>-tfstate-<account id>-<region>, so no account id is hard-coded."
  }

  assert {
    condition     = aws_s3_bucket.state.force_destroy == false
    error_message = "The state bucket must not be force-destroyable by default."
  }
}

run "bucket_is_versioned_and_kms_encrypted" {
  command = apply

  assert {
    condition     = aws_s3_bucket_versioning.state.versioning_configuration[0].status == "Enabled"
    error_message = "State must be versioned so an overwritten or deleted state can be recovered."
  }

  assert {
    condition = alltrue([
      for rule in aws_s3_bucket_server_side_encryption_configuration.state.rule :
      one(rule.apply_server_side_encryption_by_default[*].sse_algorithm) == "aws:kms" &&
      one(rule.apply_server_side_encryption_by_default[*].kms_master_key_id) == module.kms.key_arn
    ])
    error_message = "State objects must be encrypted with the stack's customer-managed KMS key."
  }

  assert {
    condition     = module.kms.rotation_enabled
    error_message = "The state KMS key must rotate."
  }

  assert {
    condition     = one(one(aws_s3_bucket_lifecycle_configuration.state.rule).noncurrent_version_expiration[*].noncurrent_days) == 90
    error_message = "Old state versions must be kept for 90 days by default, then expire."
  }
}

run "public_access_is_blocked" {
  command = plan

  assert {
    condition = (
      aws_s3_bucket_public_access_block.state.block_public_acls &&
      aws_s3_bucket_public_access_block.state.block_public_policy &&
      aws_s3_bucket_public_access_block.state.ignore_public_acls &&
      aws_s3_bucket_public_access_block.state.restrict_public_buckets
    )
    error_message = "All four public access block settings must be on."
  }

  assert {
    condition     = aws_s3_bucket_ownership_controls.state.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled (BucketOwnerEnforced)."
  }
}

run "bucket_policy_denies_plain_http" {
  command = plan

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.state.statement :
      s.effect == "Deny" && contains(s.actions, "s3:*") && anytrue([
        for c in s.condition : c.test == "Bool" && c.variable == "aws:SecureTransport" && toset(c.values) == toset(["false"])
      ])
    ])
    error_message = "The bucket policy must deny every request made without TLS."
  }

  assert {
    condition     = aws_s3_bucket_policy.state.policy == data.aws_iam_policy_document.state.json
    error_message = "The TLS-only policy document must be the one attached to the bucket."
  }
}
