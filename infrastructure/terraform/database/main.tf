################################################################################
# Inputs from the network and cluster stacks
################################################################################

data "terraform_remote_state" "network" {
  backend = "s3"

  config = {
    bucket = var.state_bucket
    key    = "${var.name}/network/terraform.tfstate"
    region = coalesce(var.state_region, var.region)
  }
}

data "terraform_remote_state" "cluster" {
  backend = "s3"

  config = {
    bucket = var.state_bucket
    key    = "${var.name}/cluster/terraform.tfstate"
    region = coalesce(var.state_region, var.region)
  }
}

data "aws_partition" "current" {}

locals {
  network    = data.terraform_remote_state.network.outputs
  cluster    = data.terraform_remote_state.cluster.outputs
  partition  = data.aws_partition.current.partition
  identifier = var.name
  port       = 5432
  log_types  = ["postgresql", "upgrade"]
}

module "kms" {
  source = "../modules/kms-key"

  alias_name            = "${var.name}-rds"
  description           = "Encrypts the RDS storage, Performance Insights, master secret and logs of ${var.name}"
  allow_cloudwatch_logs = true
}
