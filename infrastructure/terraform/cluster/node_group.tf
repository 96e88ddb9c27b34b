################################################################################
# Managed node group for system pods and the Karpenter controller
#
# Application capacity comes from Karpenter; this group only has to exist
# before Karpenter can run. Nodes get the EKS cluster security group (no
# security groups in the launch template) and IMDSv2 with a hop limit of 1,
# so pods cannot reach the node's credentials (they use Pod Identity).
################################################################################

module "system_node_role" {
  source = "../modules/node-role"

  name        = "${var.name}-system-node"
  description = "Nodes of the system managed node group of ${var.name}"
}

resource "aws_launch_template" "system" {
  name_prefix            = "${var.name}-system-"
  description            = "System node group of ${var.name}"
  update_default_version = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size           = var.system_node_disk_size
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  monitoring {
    enabled = true
  }

  tag_specifications {
    resource_type = "instance"
    tags          = { Name = "${var.name}-system" }
  }

  tag_specifications {
    resource_type = "volume"
    tags          = { Name = "${var.name}-system" }
  }
}

resource "aws_eks_node_group" "system" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "system"
  node_role_arn   = module.system_node_role.arn
  subnet_ids      = local.private_subnet_ids
  ami_type        = "AL2023_x86_64_STANDARD"
  capacity_type   = "ON_DEMAND"
  instance_types  = var.system_node_instance_types

  # karpenter.sh/controller: the upstream convention; role=system: the
  # nodeSelector of the Karpenter HelmRelease in infrastructure/flux.
  labels = {
    "karpenter.sh/controller" = "true"
    "role"                    = "system"
  }

  # Only cluster add-ons run here; the app and the mesh go to Karpenter's nodes. Whatever must
  # start before Karpenter has a NodePool tolerates it: CoreDNS and the DaemonSets (EKS),
  # Karpenter and the other infra-controllers charts (infrastructure/flux), and Flux itself
  # (`flux bootstrap --toleration-keys=CriticalAddonsOnly` in terraform-apply.sh).
  taint {
    key    = "CriticalAddonsOnly"
    value  = "true"
    effect = "NO_SCHEDULE"
  }

  # Every size is Terraform's, the desired one included (no autoscaler runs on this group):
  # terraform-destroy.sh scales it to zero when it must stop Karpenter without the Kubernetes
  # API, and the next apply puts it back.
  scaling_config {
    min_size     = var.system_node_size.min
    desired_size = var.system_node_size.desired
    max_size     = var.system_node_size.max
  }

  update_config {
    max_unavailable = 1
  }

  node_repair_config {
    enabled = true
  }

  launch_template {
    id      = aws_launch_template.system.id
    version = aws_launch_template.system.latest_version
  }

  depends_on = [
    module.system_node_role,
    aws_eks_addon.before_compute,
  ]
}
