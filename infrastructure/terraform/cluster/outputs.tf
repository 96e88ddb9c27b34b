output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = aws_eks_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the EKS cluster."
  value       = aws_eks_cluster.this.arn
}

output "cluster_endpoint" {
  description = "URL of the Kubernetes API server."
  value       = aws_eks_cluster.this.endpoint
}

output "cluster_certificate_authority_data" {
  description = "Base64 CA certificate of the Kubernetes API server."
  value       = one(aws_eks_cluster.this.certificate_authority[*].data)
}

output "kubernetes_version" {
  description = "Kubernetes version of the control plane."
  value       = aws_eks_cluster.this.version
}

output "cluster_security_group_id" {
  description = "EKS cluster security group: on every managed and Karpenter node (tag karpenter.sh/discovery), the source the database admits."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "oidc_issuer_url" {
  description = "OIDC issuer of the cluster (for IRSA, should a controller not support Pod Identity)."
  value       = try(aws_eks_cluster.this.identity[0].oidc[0].issuer, null)
}

output "kms_key_arn" {
  description = "KMS key that encrypts Kubernetes secrets and the control-plane logs."
  value       = module.kms.key_arn
}

output "control_plane_log_group" {
  description = "CloudWatch log group of the control-plane logs."
  value       = aws_cloudwatch_log_group.cluster.name
}

output "system_node_group_name" {
  description = "Name of the managed node group for system pods (label karpenter.sh/controller=true)."
  value       = aws_eks_node_group.system.node_group_name
}

output "karpenter_queue_name" {
  description = "SQS interruption queue for Karpenter (`settings.interruptionQueue`)."
  value       = module.karpenter.queue_name
}

output "karpenter_node_role_name" {
  description = "IAM role of Karpenter nodes (EC2NodeClass `spec.role`)."
  value       = module.karpenter.node_role_name
}

output "karpenter_controller_role_arn" {
  description = "IAM role of the Karpenter controller, bound by Pod Identity to the service account below."
  value       = module.karpenter.controller_role_arn
}

output "karpenter_namespace" {
  description = "Namespace Flux must install Karpenter into."
  value       = module.karpenter.namespace
}

output "karpenter_service_account" {
  description = "Service account name the Karpenter Helm release must use."
  value       = module.karpenter.service_account
}

output "pod_log_groups" {
  description = "CloudWatch Logs groups of the pods' and nodes' logs (Fluent Bit, amazon-cloudwatch-observability), by kind."
  value       = { for kind, group in aws_cloudwatch_log_group.container_insights : kind => group.name }
}

output "region" {
  description = "AWS region of the cluster."
  value       = var.region
}

output "cluster_vars" {
  description = "Values for the Flux `cluster-vars` ConfigMap (postBuild.substituteFrom) that this stack owns."
  value = {
    CLUSTER_NAME             = aws_eks_cluster.this.name
    CLUSTER_ENDPOINT         = aws_eks_cluster.this.endpoint
    KARPENTER_QUEUE_NAME     = module.karpenter.queue_name
    KARPENTER_NODE_ROLE_NAME = module.karpenter.node_role_name
    KARPENTER_NAMESPACE      = module.karpenter.namespace
    AWS_REGION               = var.region
  }
}
