################################################################################
# Inputs from the network stack
################################################################################

data "terraform_remote_state" "network" {
  backend = "s3"

  config = {
    bucket = var.state_bucket
    key    = "${var.name}/network/terraform.tfstate"
    region = coalesce(var.state_region, var.region)
  }
}

data "aws_partition" "current" {}

locals {
  network            = data.terraform_remote_state.network.outputs
  private_subnet_ids = local.network.private_subnet_ids
  partition          = data.aws_partition.current.partition

  control_plane_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
  public_endpoint         = length(var.endpoint_public_access_cidrs) > 0
}
