################################################################################
# EKS-managed add-ons
#
# bootstrap_self_managed_addons = false, so these are the only copies. The CNI,
# kube-proxy and the Pod Identity agent are DaemonSets and go in before the
# nodes (nodes need the CNI to become Ready); CoreDNS needs nodes to schedule.
################################################################################

locals {
  addons = {
    # The VPC CNI enforces the app's NetworkPolicies only with its network policy agent on.
    "vpc-cni"                = { before_compute = true, configuration = jsonencode({ enableNetworkPolicy = "true" }) }
    "kube-proxy"             = { before_compute = true, configuration = null }
    "eks-pod-identity-agent" = { before_compute = true, configuration = null }
    "coredns"                = { before_compute = false, configuration = null }
  }
}

resource "aws_eks_addon" "before_compute" {
  for_each = { for name, addon in local.addons : name => addon if addon.before_compute }

  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = each.key
  addon_version               = lookup(var.addon_versions, each.key, null)
  configuration_values        = each.value.configuration
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
}

resource "aws_eks_addon" "after_compute" {
  for_each = { for name, addon in local.addons : name => addon if !addon.before_compute }

  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = each.key
  addon_version               = lookup(var.addon_versions, each.key, null)
  configuration_values        = each.value.configuration
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"

  depends_on = [aws_eks_node_group.system]
}
