################################################################################
# Controller role (EKS Pod Identity) with a least-privilege policy
#
# Mirrors the upstream Karpenter v1 controller policy: everything that creates,
# tags or deletes is conditioned on the cluster's ownership tag
# (kubernetes.io/cluster/<name> = owned) and a karpenter.sh/nodepool tag, so the
# controller cannot touch instances, launch templates or instance profiles of
# anything else in the account.
################################################################################

locals {
  ec2_arn          = "arn:${local.partition}:ec2:${local.region}"
  cluster_tag      = "kubernetes.io/cluster/${var.cluster_name}"
  instance_profile = "arn:${local.partition}:iam::${local.account_id}:instance-profile/*"
  launched = [
    for type in ["fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request"] :
    "${local.ec2_arn}:*:${type}/*"
  ]

  # Condition sets. "request" conditions apply to the tags a new resource is
  # created with, "resource" conditions to the tags an existing one carries.
  request_owned = [
    { test = "StringEquals", variable = "aws:RequestTag/${local.cluster_tag}", values = ["owned"] },
    { test = "StringEquals", variable = "aws:RequestTag/eks:eks-cluster-name", values = [var.cluster_name] },
  ]
  resource_owned     = [{ test = "StringEquals", variable = "aws:ResourceTag/${local.cluster_tag}", values = ["owned"] }]
  request_nodepool   = [{ test = "StringLike", variable = "aws:RequestTag/karpenter.sh/nodepool", values = ["*"] }]
  resource_nodepool  = [{ test = "StringLike", variable = "aws:ResourceTag/karpenter.sh/nodepool", values = ["*"] }]
  request_region     = [{ test = "StringEquals", variable = "aws:RequestTag/topology.kubernetes.io/region", values = [local.region] }]
  resource_region    = [{ test = "StringEquals", variable = "aws:ResourceTag/topology.kubernetes.io/region", values = [local.region] }]
  request_nodeclass  = [{ test = "StringLike", variable = "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass", values = ["*"] }]
  resource_nodeclass = [{ test = "StringLike", variable = "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass", values = ["*"] }]

  controller_statements = [
    {
      sid     = "AllowScopedEC2InstanceAccessActions"
      actions = ["ec2:RunInstances", "ec2:CreateFleet"]
      resources = [
        "${local.ec2_arn}::image/*",
        "${local.ec2_arn}::snapshot/*",
        "${local.ec2_arn}:*:security-group/*",
        "${local.ec2_arn}:*:subnet/*",
        "${local.ec2_arn}:*:capacity-reservation/*",
      ]
      conditions = []
    },
    {
      sid        = "AllowScopedEC2LaunchTemplateAccessActions"
      actions    = ["ec2:RunInstances", "ec2:CreateFleet"]
      resources  = ["${local.ec2_arn}:*:launch-template/*"]
      conditions = concat(local.resource_owned, local.resource_nodepool)
    },
    {
      sid        = "AllowScopedEC2InstanceActionsWithTags"
      actions    = ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"]
      resources  = local.launched
      conditions = concat(local.request_owned, local.request_nodepool)
    },
    {
      sid       = "AllowScopedResourceCreationTagging"
      actions   = ["ec2:CreateTags"]
      resources = local.launched
      conditions = concat(local.request_owned, local.request_nodepool, [
        { test = "StringEquals", variable = "ec2:CreateAction", values = ["RunInstances", "CreateFleet", "CreateLaunchTemplate"] },
      ])
    },
    {
      sid       = "AllowScopedResourceTagging"
      actions   = ["ec2:CreateTags"]
      resources = ["${local.ec2_arn}:*:instance/*"]
      conditions = concat(local.resource_owned, local.resource_nodepool, [
        { test = "StringEqualsIfExists", variable = "aws:RequestTag/eks:eks-cluster-name", values = [var.cluster_name] },
        { test = "ForAllValues:StringEquals", variable = "aws:TagKeys", values = ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
      ])
    },
    {
      sid        = "AllowScopedDeletion"
      actions    = ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"]
      resources  = ["${local.ec2_arn}:*:instance/*", "${local.ec2_arn}:*:launch-template/*"]
      conditions = concat(local.resource_owned, local.resource_nodepool)
    },
    {
      sid = "AllowRegionalReadActions"
      actions = [
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeCapacityReservations",
        "ec2:DescribeImages",
        "ec2:DescribeInstances",
        "ec2:DescribeInstanceStatus",
        "ec2:DescribeInstanceTypeOfferings",
        "ec2:DescribeInstanceTypes",
        "ec2:DescribeLaunchTemplates",
        "ec2:DescribePlacementGroups",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSpotPriceHistory",
        "ec2:DescribeSubnets",
      ]
      resources  = ["*"]
      conditions = [{ test = "StringEquals", variable = "aws:RequestedRegion", values = [local.region] }]
    },
    {
      sid        = "AllowSSMReadActions"
      actions    = ["ssm:GetParameter"]
      resources  = ["arn:${local.partition}:ssm:${local.region}::parameter/aws/service/*"]
      conditions = []
    },
    {
      sid        = "AllowPricingReadActions"
      actions    = ["pricing:GetProducts"]
      resources  = ["*"]
      conditions = []
    },
    {
      sid        = "AllowInterruptionQueueActions"
      actions    = ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"]
      resources  = [aws_sqs_queue.interruption.arn]
      conditions = []
    },
    {
      sid        = "AllowPassingInstanceRole"
      actions    = ["iam:PassRole"]
      resources  = [module.node_role.arn]
      conditions = [{ test = "StringEquals", variable = "iam:PassedToService", values = ["ec2.amazonaws.com"] }]
    },
    {
      sid        = "AllowScopedInstanceProfileCreationActions"
      actions    = ["iam:CreateInstanceProfile"]
      resources  = [local.instance_profile]
      conditions = concat(local.request_owned, local.request_region, local.request_nodeclass)
    },
    {
      sid       = "AllowScopedInstanceProfileTagActions"
      actions   = ["iam:TagInstanceProfile"]
      resources = [local.instance_profile]
      conditions = concat(
        local.resource_owned, local.resource_region, local.resource_nodeclass,
        local.request_owned, local.request_region, local.request_nodeclass,
      )
    },
    {
      sid        = "AllowScopedInstanceProfileActions"
      actions    = ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"]
      resources  = [local.instance_profile]
      conditions = concat(local.resource_owned, local.resource_region, local.resource_nodeclass)
    },
    {
      sid        = "AllowInstanceProfileReadActions"
      actions    = ["iam:GetInstanceProfile"]
      resources  = [local.instance_profile]
      conditions = []
    },
    {
      # The instance-profile garbage collector lists the account's profiles;
      # ListInstanceProfiles has no resource-level permissions.
      sid        = "AllowUnscopedInstanceProfileListAction"
      actions    = ["iam:ListInstanceProfiles"]
      resources  = ["*"]
      conditions = []
    },
    {
      sid        = "AllowAPIServerEndpointDiscovery"
      actions    = ["eks:DescribeCluster"]
      resources  = [var.cluster_arn]
      conditions = []
    },
  ]
}

data "aws_iam_policy_document" "controller" {
  dynamic "statement" {
    for_each = local.controller_statements

    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources

      dynamic "condition" {
        for_each = statement.value.conditions

        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

module "controller_role" {
  source = "../pod-identity-role"

  name            = "${var.cluster_name}-karpenter-controller"
  description     = "Karpenter controller of EKS cluster ${var.cluster_name}"
  cluster_name    = var.cluster_name
  namespace       = var.namespace
  service_account = var.service_account
  policy_json     = data.aws_iam_policy_document.controller.json
  tags            = var.tags
}
