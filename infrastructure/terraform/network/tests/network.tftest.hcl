# Offline tests: the AWS provider is mocked, so no credentials or network are
# needed. Most runs only plan; the runs that follow references between
# resources (route -> NAT gateway -> subnet) "apply" against the mock, which
# gives every resource a distinct fake ID.

mock_provider "aws" {
  source = "../testing/mocks"
}

run "three_tiers_in_three_azs" {
  command = plan

  assert {
    condition     = length(aws_subnet.public) == 3 && length(aws_subnet.private) == 3 && length(aws_subnet.database) == 3
    error_message = "Expected one public, one private and one database subnet in each of 3 AZs."
  }

  assert {
    condition = alltrue([
      for tier in [aws_subnet.public, aws_subnet.private, aws_subnet.database] :
      tier[*].availability_zone == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    ])
    error_message = "Every tier must span eu-west-1a, eu-west-1b and eu-west-1c, one subnet each."
  }

  assert {
    condition     = length(distinct(concat(aws_subnet.public[*].cidr_block, aws_subnet.private[*].cidr_block, aws_subnet.database[*].cidr_block))) == 9
    error_message = "The nine subnets must not share a CIDR."
  }

  assert {
    condition     = alltrue([for s in aws_subnet.private : endswith(s.cidr_block, "/19")]) && alltrue([for s in concat(aws_subnet.public, aws_subnet.database) : endswith(s.cidr_block, "/24")])
    error_message = "Private subnets (nodes and pods) must be /19, public and database subnets /24."
  }
}

run "nat_gateway_per_az" {
  command = apply

  assert {
    condition     = length(aws_nat_gateway.this) == 3 && length(aws_eip.nat) == 3
    error_message = "Expected one NAT gateway (with its EIP) per AZ by default."
  }

  assert {
    condition     = aws_nat_gateway.this[*].subnet_id == aws_subnet.public[*].id
    error_message = "Each NAT gateway must sit in the public subnet of its own AZ."
  }

  assert {
    condition     = aws_route.private_nat[*].nat_gateway_id == aws_nat_gateway.this[*].id
    error_message = "Each private route table must send 0.0.0.0/0 to the NAT gateway of its own AZ."
  }

  assert {
    condition     = aws_route_table_association.private[*].route_table_id == aws_route_table.private[*].id
    error_message = "Each private subnet must use the route table of its own AZ."
  }
}

run "single_nat_gateway_for_cost" {
  command = apply

  variables {
    single_nat_gateway = true
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 1
    error_message = "single_nat_gateway = true must create exactly one NAT gateway."
  }

  assert {
    condition     = length(aws_route.private_nat) == 3 && alltrue([for r in aws_route.private_nat : r.nat_gateway_id == aws_nat_gateway.this[0].id])
    error_message = "With a single NAT gateway, all three private route tables must still route through it."
  }
}

run "database_tier_has_no_internet_route" {
  command = apply

  assert {
    condition = !contains(
      concat([aws_route.public_internet.route_table_id], aws_route.private_nat[*].route_table_id),
      aws_route_table.database.id
    )
    error_message = "No route to the internet (IGW or NAT) may be attached to the database route table."
  }

  assert {
    condition     = length(aws_route_table.database.route) == 0
    error_message = "The database route table must not have inline routes."
  }

  assert {
    condition     = alltrue([for a in aws_route_table_association.database : a.route_table_id == aws_route_table.database.id]) && aws_route_table_association.database[*].subnet_id == aws_subnet.database[*].id
    error_message = "All database subnets must use the database route table."
  }

  assert {
    condition     = aws_db_subnet_group.this.subnet_ids == toset(aws_subnet.database[*].id)
    error_message = "The DB subnet group must contain exactly the database subnets."
  }

  assert {
    condition     = aws_route.public_internet.gateway_id == aws_internet_gateway.this.id && aws_route.public_internet.destination_cidr_block == "0.0.0.0/0"
    error_message = "The public route table must send 0.0.0.0/0 to the internet gateway."
  }
}

run "flow_logs_to_cloudwatch" {
  command = plan

  assert {
    condition     = aws_flow_log.this.vpc_id == aws_vpc.this.id && aws_flow_log.this.traffic_type == "ALL"
    error_message = "The VPC must have a flow log recording ALL traffic."
  }

  assert {
    condition     = aws_flow_log.this.log_destination_type == "cloud-watch-logs" && aws_flow_log.this.log_destination == aws_cloudwatch_log_group.flow_logs.arn
    error_message = "Flow logs must go to the CloudWatch log group of this stack."
  }

  assert {
    condition     = aws_cloudwatch_log_group.flow_logs.kms_key_id == module.logs_kms.key_arn && aws_cloudwatch_log_group.flow_logs.retention_in_days == 365
    error_message = "The flow log group must be KMS-encrypted and keep logs for 365 days by default."
  }

  assert {
    condition     = module.logs_kms.rotation_enabled
    error_message = "The flow log KMS key must rotate."
  }
}

run "subnet_tags_for_load_balancers_and_karpenter" {
  command = plan

  assert {
    condition     = alltrue([for s in aws_subnet.public : s.tags["kubernetes.io/role/elb"] == "1" && !contains(keys(s.tags), "karpenter.sh/discovery")])
    error_message = "Public subnets must carry kubernetes.io/role/elb=1 (internet-facing NLB) and not the Karpenter discovery tag."
  }

  assert {
    condition     = alltrue([for s in aws_subnet.private : s.tags["kubernetes.io/role/internal-elb"] == "1" && s.tags["karpenter.sh/discovery"] == "takehome"])
    error_message = "Private subnets must carry kubernetes.io/role/internal-elb=1 and karpenter.sh/discovery=<cluster name>."
  }

  assert {
    condition     = alltrue([for s in aws_subnet.database : length(setintersection(keys(s.tags), ["kubernetes.io/role/elb", "kubernetes.io/role/internal-elb", "karpenter.sh/discovery"])) == 0])
    error_message = "Database subnets must never be offered to load balancers or Karpenter."
  }

  assert {
    condition     = alltrue([for s in aws_subnet.public : s.map_public_ip_on_launch == false])
    error_message = "Public subnets must not hand out public IPs automatically."
  }
}

run "zones_are_pinned_by_name" {
  command = plan

  variables {
    region      = "eu-central-1"
    az_suffixes = ["a", "b"]
  }

  override_data {
    target = data.aws_availability_zones.pinned
    values = { names = ["eu-central-1a", "eu-central-1b"] }
  }

  assert {
    condition     = aws_subnet.private[*].availability_zone == ["eu-central-1a", "eu-central-1b"]
    error_message = "Subnets must be placed in exactly the zones named by region + az_suffixes."
  }
}

run "unavailable_zone_fails_the_plan" {
  command = plan

  override_data {
    target = data.aws_availability_zones.pinned
    values = { names = ["eu-west-1a", "eu-west-1b"] }
  }

  expect_failures = [data.aws_availability_zones.pinned]
}

run "fewer_than_two_zones_rejected" {
  command = plan

  variables {
    az_suffixes = ["a"]
  }

  expect_failures = [var.az_suffixes]
}
