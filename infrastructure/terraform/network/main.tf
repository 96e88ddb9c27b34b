################################################################################
# VPC and subnets: three tiers in each availability zone
#
#   public    /24  NAT gateways and internet-facing load balancers
#   private   /19  EKS nodes and pods (VPC CNI gives pods VPC addresses)
#   database  /24  RDS only; no route to the internet
################################################################################

locals {
  azs      = [for suffix in var.az_suffixes : "${var.region}${suffix}"]
  az_count = length(local.azs)

  # Consecutive blocks: az_count private /19s (for a /16), then public and database /24s.
  subnet_cidrs = cidrsubnets(var.vpc_cidr, concat(
    [for _ in local.azs : 3],
    [for _ in local.azs : 8],
    [for _ in local.azs : 8],
  )...)

  private_cidrs  = slice(local.subnet_cidrs, 0, local.az_count)
  public_cidrs   = slice(local.subnet_cidrs, local.az_count, 2 * local.az_count)
  database_cidrs = slice(local.subnet_cidrs, 2 * local.az_count, 3 * local.az_count)

  cluster_tag = "kubernetes.io/cluster/${var.name}"
}

# Confirms the pinned zones exist and are available; fails the plan otherwise
# instead of silently building in other zones.
data "aws_availability_zones" "pinned" {
  state = "available"

  filter {
    name   = "zone-name"
    values = local.azs
  }

  lifecycle {
    postcondition {
      condition     = length(self.names) == local.az_count
      error_message = "Not every zone of az_suffixes is available in ${var.region}: found ${join(", ", self.names)}."
    }
  }
}

resource "aws_vpc" "this" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = var.name }
}

# Take every rule away from the default security group, so nothing that
# falls back to it gets any access.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name}-default-deny" }
}

resource "aws_subnet" "public" {
  count = local.az_count

  vpc_id            = aws_vpc.this.id
  availability_zone = local.azs[count.index]
  cidr_block        = local.public_cidrs[count.index]

  # Load balancers get their own addresses; instances here never need one.
  map_public_ip_on_launch = false

  tags = {
    Name                     = "${var.name}-public-${local.azs[count.index]}"
    Tier                     = "public"
    "kubernetes.io/role/elb" = "1"
    (local.cluster_tag)      = "shared"
  }
}

resource "aws_subnet" "private" {
  count = local.az_count

  vpc_id            = aws_vpc.this.id
  availability_zone = local.azs[count.index]
  cidr_block        = local.private_cidrs[count.index]

  tags = {
    Name                              = "${var.name}-private-${local.azs[count.index]}"
    Tier                              = "private"
    "kubernetes.io/role/internal-elb" = "1"
    "karpenter.sh/discovery"          = var.name
    (local.cluster_tag)               = "shared"
  }
}

resource "aws_subnet" "database" {
  count = local.az_count

  vpc_id            = aws_vpc.this.id
  availability_zone = local.azs[count.index]
  cidr_block        = local.database_cidrs[count.index]

  tags = {
    Name = "${var.name}-database-${local.azs[count.index]}"
    Tier = "database"
  }
}

resource "aws_db_subnet_group" "this" {
  name        = "${var.name}-database"
  description = "Database subnets of ${var.name} (no internet route)"
  subnet_ids  = aws_subnet.database[*].id

  tags = { Name = "${var.name}-database" }
}
