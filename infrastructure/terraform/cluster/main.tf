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

  # The retention periods CloudWatch Logs accepts (both log_retention_days variables).
  cloudwatch_retention_days = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]

  control_plane_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
  public_endpoint         = length(var.endpoint_public_access_cidrs) > 0
}
