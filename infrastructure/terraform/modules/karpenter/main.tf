################################################################################
# Karpenter: AWS side only (the controller itself is installed by Flux)
#
#   node IAM role + EKS access entry  -> nodes Karpenter launches can join
#   controller IAM role (Pod Identity) -> least privilege, scoped by cluster tags
#   SQS queue + EventBridge rules      -> interruption handling
################################################################################

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id     = data.aws_caller_identity.current.account_id
  partition      = data.aws_partition.current.partition
  region         = data.aws_region.current.name
  node_role_name = coalesce(var.node_role_name, "${var.cluster_name}-karpenter-node")
  queue_name     = coalesce(var.queue_name, var.cluster_name)
}

################################################################################
# Node role
################################################################################

module "node_role" {
  source = "../node-role"

  name        = local.node_role_name
  description = "Nodes launched by Karpenter in EKS cluster ${var.cluster_name}"
  tags        = var.tags
}

# Karpenter creates the instance profile for this role itself (EC2NodeClass
# spec.role); the access entry lets nodes with the role join the cluster.
resource "aws_eks_access_entry" "node" {
  cluster_name  = var.cluster_name
  principal_arn = module.node_role.arn
  type          = "EC2_LINUX"
  tags          = var.tags
}

################################################################################
# Interruption queue and EventBridge rules
################################################################################

resource "aws_sqs_queue" "interruption" {
  name                      = local.queue_name
  message_retention_seconds = var.queue_message_retention_seconds
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

data "aws_iam_policy_document" "queue" {
  statement {
    sid       = "EventBridgeAndSqsWrite"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.interruption.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "sqs.amazonaws.com"]
    }
  }

  statement {
    sid       = "DenyHTTP"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.interruption.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "interruption" {
  queue_url = aws_sqs_queue.interruption.url
  policy    = data.aws_iam_policy_document.queue.json
}

locals {
  events = {
    health_event = {
      name        = "HealthEvent"
      description = "AWS Health scheduled changes (e.g. instance retirement)"
      pattern     = { source = ["aws.health"], detail-type = ["AWS Health Event"] }
    }
    spot_interruption = {
      name        = "SpotInterrupt"
      description = "EC2 Spot two-minute interruption warnings"
      pattern     = { source = ["aws.ec2"], detail-type = ["EC2 Spot Instance Interruption Warning"] }
    }
    instance_rebalance = {
      name        = "InstanceRebalance"
      description = "EC2 instance rebalance recommendations"
      pattern     = { source = ["aws.ec2"], detail-type = ["EC2 Instance Rebalance Recommendation"] }
    }
    instance_state_change = {
      name        = "InstanceStateChange"
      description = "EC2 instance state changes (stopping, terminated, ...)"
      pattern     = { source = ["aws.ec2"], detail-type = ["EC2 Instance State-change Notification"] }
    }
  }
}

resource "aws_cloudwatch_event_rule" "this" {
  for_each = local.events

  name          = substr("${var.cluster_name}-karpenter-${each.value.name}", 0, 64)
  description   = "Karpenter interruption handling: ${each.value.description}"
  event_pattern = jsonencode(each.value.pattern)
  tags          = var.tags
}

resource "aws_cloudwatch_event_target" "this" {
  for_each = local.events

  rule      = aws_cloudwatch_event_rule.this[each.key].name
  target_id = "KarpenterInterruptionQueue"
  arn       = aws_sqs_queue.interruption.arn
}
