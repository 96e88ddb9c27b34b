################################################################################
# Pod and node logs in CloudWatch Logs
#
# The EKS add-on amazon-cloudwatch-observability runs Fluent Bit on every node
# (its DaemonSets tolerate every taint): each container's stdout/stderr goes to
# /aws/containerinsights/<cluster>/application (the app's JSON lines parsed
# into `log_processed`, with the pod's namespace, name and labels), kubelet and
# containerd to .../dataplane, the nodes' system logs to .../host, and its
# CloudWatch agent's Container Insights events to .../performance.
#
# The groups are created here first: Fluent Bit would otherwise create them
# without retention (kept forever) and unencrypted. The agent's role may write
# to this cluster's groups only, and may not change their retention
# (CloudWatchAgentServerPolicy, which AWS suggests, allows both on every group).
#
# The add-on itself waits for var.cloudwatch_observability: its operator
# ("manager") tolerates no taint (chart 6.4.0 sets manager.tolerations to [],
# which replaces the root `operator: Exists`), so on a new cluster, whose only
# nodes are the tainted system group, it stays Pending, the add-on never becomes
# ACTIVE and aws_eks_addon times out. terraform-apply.sh applies this stack with
# it off first and on once Flux has Karpenter providing capacity.
#
# Application Signals is off: with only containerLogs set, the chart's defaults
# auto-monitor every Service's workloads (monitorAllServices) and the operator
# injects instrumentation into the app's pods; the app has its own metrics.
################################################################################

locals {
  container_insights_log_groups = toset(["application", "dataplane", "host", "performance"])
  container_insights_prefix     = "/aws/containerinsights/${var.name}"
  # Fixed by the add-on: its agent and Fluent Bit run as this service account.
  cloudwatch_namespace       = "amazon-cloudwatch"
  cloudwatch_service_account = "cloudwatch-agent"
}

resource "aws_cloudwatch_log_group" "container_insights" {
  # checkov:skip=CKV_AWS_338: every pod's output is the largest log volume; 30 days by default (pod_log_retention_days), the audit trail (control plane) keeps 365
  for_each = local.container_insights_log_groups

  name              = "${local.container_insights_prefix}/${each.key}"
  retention_in_days = var.pod_log_retention_days
  kms_key_id        = module.kms.key_arn
}

data "aws_iam_policy_document" "cloudwatch_agent" {
  # checkov:skip=CKV_AWS_356: DescribeLogGroups, PutMetricData and the EC2 Describe calls support no resource-level scoping
  # checkov:skip=CKV_AWS_111: PutMetricData is limited by its namespace condition; the rest only read
  statement {
    sid = "WriteThisClustersLogGroups"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
    ]
    resources = [
      "arn:${local.partition}:logs:${var.region}:${data.aws_caller_identity.current.account_id}:log-group:${local.container_insights_prefix}/*",
    ]
  }

  statement {
    sid       = "FindLogGroups"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["*"]
  }

  statement {
    sid       = "ContainerInsightsMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["ContainerInsights"]
    }
  }

  statement {
    sid       = "NodeMetadata"
    actions   = ["ec2:DescribeTags", "ec2:DescribeVolumes"]
    resources = ["*"]
  }
}

data "aws_caller_identity" "current" {}

module "cloudwatch_agent_identity" {
  source = "../modules/pod-identity-role"

  name            = "${var.name}-cloudwatch-agent"
  description     = "Fluent Bit and the CloudWatch agent of ${var.name} (amazon-cloudwatch-observability)"
  cluster_name    = aws_eks_cluster.this.name
  namespace       = local.cloudwatch_namespace
  service_account = local.cloudwatch_service_account
  policy_json     = data.aws_iam_policy_document.cloudwatch_agent.json
}

resource "aws_eks_addon" "cloudwatch_observability" {
  count = var.cloudwatch_observability ? 1 : 0

  cluster_name  = aws_eks_cluster.this.name
  addon_name    = "amazon-cloudwatch-observability"
  addon_version = lookup(var.addon_versions, "amazon-cloudwatch-observability", null)
  configuration_values = jsonencode({
    containerLogs = { enabled = true }
    manager = {
      applicationSignals = { autoMonitor = { monitorAllServices = false } }
    }
  })
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"

  # Credentials are injected when a pod starts: the association must exist
  # first, and the groups before Fluent Bit's first write.
  depends_on = [
    aws_eks_node_group.system,
    module.cloudwatch_agent_identity,
    aws_cloudwatch_log_group.container_insights,
  ]
}

# Before the add-on became optional (count), it had no index.
moved {
  from = aws_eks_addon.cloudwatch_observability
  to   = aws_eks_addon.cloudwatch_observability[0]
}
