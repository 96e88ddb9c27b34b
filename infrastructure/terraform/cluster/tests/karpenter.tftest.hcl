# Offline tests of the Karpenter module the cluster stack uses, run on the
# module itself so its resources can be inspected (AWS provider mocked).

mock_provider "aws" {
  source = "../testing/mocks"
}

variables {
  cluster_name = "takehome"
  cluster_arn  = "arn:aws:eks:eu-west-1:123456789012:cluster/takehome"
}

run "interruption_queue_is_encrypted_and_tls_only" {
  command = apply

  module {
    source = "../modules/karpenter"
  }

  assert {
    condition     = aws_sqs_queue.interruption.name == "takehome" && aws_sqs_queue.interruption.sqs_managed_sse_enabled == true
    error_message = "The interruption queue must be named after the cluster and encrypted at rest."
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.queue.statement :
      s.effect == "Deny" && anytrue([for c in s.condition : c.variable == "aws:SecureTransport" && toset(c.values) == toset(["false"])])
    ])
    error_message = "The queue policy must deny requests without TLS."
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.queue.statement :
      s.effect != "Deny" && toset(s.actions) == toset(["sqs:SendMessage"]) && anytrue([for p in s.principals : contains(p.identifiers, "events.amazonaws.com")])
    ])
    error_message = "EventBridge must be allowed to send (and only send) to the queue."
  }
}

run "eventbridge_rules_for_every_interruption_kind" {
  command = apply

  module {
    source = "../modules/karpenter"
  }

  assert {
    condition = toset([for r in aws_cloudwatch_event_rule.this : jsondecode(r.event_pattern)["detail-type"][0]]) == toset([
      "AWS Health Event",
      "EC2 Spot Instance Interruption Warning",
      "EC2 Instance Rebalance Recommendation",
      "EC2 Instance State-change Notification",
    ])
    error_message = "Rules are needed for scheduled changes, spot interruptions, rebalance recommendations and state changes."
  }

  assert {
    condition     = alltrue([for t in aws_cloudwatch_event_target.this : t.arn == aws_sqs_queue.interruption.arn])
    error_message = "Every rule must target the interruption queue."
  }
}

run "controller_policy_scoped_by_cluster_tag" {
  command = plan

  module {
    source = "../modules/karpenter"
  }

  # Every statement that creates, tags, deletes or runs something in EC2/IAM,
  # except the ones naming only AMIs/subnets/SGs, must be conditioned on the
  # cluster ownership tag.
  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.controller.statement :
      anytrue([for c in s.condition : strcontains(c.variable, "kubernetes.io/cluster/takehome") && toset(c.values) == toset(["owned"])])
      if length(setintersection(s.actions, [
        "ec2:CreateLaunchTemplate", "ec2:CreateTags", "ec2:TerminateInstances", "ec2:DeleteLaunchTemplate",
        "iam:CreateInstanceProfile", "iam:TagInstanceProfile", "iam:AddRoleToInstanceProfile",
        "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile",
      ])) > 0
    ])
    error_message = "Every mutating Karpenter permission must be conditioned on kubernetes.io/cluster/<name> = owned."
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.controller.statement :
      !contains(s.resources, "*") || alltrue([for a in s.actions : can(regex("^(pricing:Get|ec2:Describe|iam:List)", a))])
    ])
    error_message = "Only read-only calls may use Resource \"*\"."
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.controller.statement :
      toset(s.resources) == toset([module.node_role.arn]) if contains(s.actions, "iam:PassRole")
    ])
    error_message = "The controller may only pass the Karpenter node role."
  }
}

run "node_role_and_controller_identity" {
  command = apply

  module {
    source = "../modules/karpenter"
  }

  assert {
    condition     = output.node_role_name == "takehome-karpenter-node" && aws_eks_access_entry.node.type == "EC2_LINUX" && aws_eks_access_entry.node.principal_arn == output.node_role_arn
    error_message = "Karpenter nodes must join through an EC2_LINUX access entry for the node role."
  }

  assert {
    condition = toset([for arn in output.node_role_policy_arns : element(split("/", arn), 1)]) == toset([
      "AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore",
    ])
    error_message = "The node role needs exactly the worker, CNI, ECR read-only and SSM managed policies."
  }

  assert {
    condition     = output.namespace == "kube-system" && output.service_account == "karpenter"
    error_message = "The controller role must be associated with kube-system/karpenter."
  }
}
