# Fake AWS answers shared by the terraform test suites of every stack
# (mock_provider "aws" { source = "../testing/mocks" }).
#
# Data sources get fixed, realistic values. Resources only get what the
# provider itself validates (well-formed ARNs); everything else is random.

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:user/terraform-test"
  }
}

mock_data "aws_partition" {
  defaults = {
    partition          = "aws"
    dns_suffix         = "amazonaws.com"
    reverse_dns_prefix = "com.amazonaws"
  }
}

mock_data "aws_region" {
  defaults = {
    name        = "eu-west-1"
    description = "Europe (Ireland)"
  }
}

mock_data "aws_availability_zones" {
  defaults = {
    names    = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    zone_ids = ["euw1-az1", "euw1-az2", "euw1-az3"]
  }
}

mock_data "aws_iam_policy_document" {
  defaults = {
    json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  }
}

mock_resource "aws_iam_role" {
  defaults = {
    arn = "arn:aws:iam::123456789012:role/mock"
  }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = {
    arn = "arn:aws:logs:eu-west-1:123456789012:log-group:mock"
  }
}

mock_resource "aws_kms_key" {
  defaults = {
    arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  }
}

mock_resource "aws_sqs_queue" {
  defaults = {
    arn = "arn:aws:sqs:eu-west-1:123456789012:mock"
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/mock"
  }
}

mock_resource "aws_eks_cluster" {
  defaults = {
    arn      = "arn:aws:eks:eu-west-1:123456789012:cluster/mock"
    endpoint = "https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com"
  }
}

mock_resource "aws_launch_template" {
  defaults = {
    id  = "lt-0123456789abcdef0"
    arn = "arn:aws:ec2:eu-west-1:123456789012:launch-template/lt-0123456789abcdef0"
  }
}

mock_resource "aws_db_instance" {
  defaults = {
    arn     = "arn:aws:rds:eu-west-1:123456789012:db:takehome"
    address = "takehome.c0mock0db0id.eu-west-1.rds.amazonaws.com"
    master_user_secret = [{
      secret_arn    = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-00000000-0000-0000-0000-000000000000-AbCdEf"
      kms_key_id    = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
      secret_status = "active"
    }]
  }
}
