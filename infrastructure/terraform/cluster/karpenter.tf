################################################################################
# Karpenter (AWS side; the controller, NodePool and EC2NodeClass come from Flux)
################################################################################

module "karpenter" {
  source = "../modules/karpenter"

  cluster_name    = aws_eks_cluster.this.name
  cluster_arn     = aws_eks_cluster.this.arn
  namespace       = var.karpenter_namespace
  service_account = var.karpenter_service_account
  node_role_name  = "${var.name}-karpenter-node"
}
