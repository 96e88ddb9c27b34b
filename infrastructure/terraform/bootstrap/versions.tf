terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # The state bucket cannot hold its own creation state: this stack keeps a
  # local terraform.tfstate (git-ignored). See "Infrastructure" in docs/deploying.md.
}
