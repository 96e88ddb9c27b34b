################################################################################
# Security group: PostgreSQL only from the cluster's nodes and pods
#
# Every node (managed group and Karpenter) carries the EKS cluster security
# group and pods use their node's group (VPC CNI), so that one group is the
# only source. No egress rules: RDS never opens connections.
################################################################################

resource "aws_security_group" "database" {
  name        = "${var.name}-database"
  description = "PostgreSQL ${var.name}: 5432 from the EKS cluster security group only"
  vpc_id      = local.network.vpc_id

  tags = { Name = "${var.name}-database" }
}

resource "aws_vpc_security_group_ingress_rule" "postgres_from_cluster" {
  security_group_id            = aws_security_group.database.id
  description                  = "PostgreSQL from EKS nodes and pods"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = local.cluster.cluster_security_group_id
}
