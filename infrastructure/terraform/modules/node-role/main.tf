################################################################################
# IAM role for EKS worker nodes (managed node groups and Karpenter nodes)
#
# The four AWS-managed policies every EKS node needs: join the cluster, run
# the VPC CNI, pull images from ECR, and be reachable through SSM instead of
# SSH.
################################################################################

data "aws_partition" "current" {}

locals {
  policies = {
    worker = "AmazonEKSWorkerNodePolicy"
    cni    = "AmazonEKS_CNI_Policy"
    ecr    = "AmazonEC2ContainerRegistryReadOnly"
    ssm    = "AmazonSSMManagedInstanceCore"
  }
}

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "EC2AssumeRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = var.name
  description        = var.description
  assume_role_policy = data.aws_iam_policy_document.trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = local.policies

  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/${each.value}"
}
