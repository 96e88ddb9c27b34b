terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Partial configuration: terraform-apply.sh passes bucket, key and region
  # (-backend-config=...), so no account id or bucket name lives in git.
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}
