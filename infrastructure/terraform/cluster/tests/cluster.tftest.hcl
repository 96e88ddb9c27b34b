# Offline tests of the EKS stack (AWS provider and network state mocked).

mock_provider "aws" {
  source = "../testing/mocks"
}

override_data {
  target = data.terraform_remote_state.network
  values = {
    outputs = {
      vpc_id             = "vpc-0123456789abcdef0"
      private_subnet_ids = ["subnet-0private0a", "subnet-0private0b", "subnet-0private0c"]
    }
  }
}

variables {
  state_bucket = "takehome-tfstate-123456789012-eu-west-1"
}

run "control_plane_logs_all_five_types" {
  command = apply

  assert {
    condition     = toset(aws_eks_cluster.this.enabled_cluster_log_types) == toset(["api", "audit", "authenticator", "controllerManager", "scheduler"])
    error_message = "All five control-plane log types must be sent to CloudWatch."
  }

  assert {
    condition     = aws_cloudwatch_log_group.cluster.name == "/aws/eks/takehome/cluster"
    error_message = "The log group must have the exact name EKS writes to, or EKS creates an unmanaged one."
  }

  assert {
    condition     = aws_cloudwatch_log_group.cluster.retention_in_days == 365 && aws_cloudwatch_log_group.cluster.kms_key_id == module.kms.key_arn
    error_message = "Control-plane logs must expire (365 days by default) and be KMS-encrypted."
  }
}

run "secrets_envelope_encrypted_with_rotating_key" {
  command = plan

  assert {
    condition     = one(aws_eks_cluster.this.encryption_config[*].resources) == toset(["secrets"])
    error_message = "Kubernetes secrets must be envelope-encrypted."
  }

  assert {
    condition     = one(one(aws_eks_cluster.this.encryption_config).provider[*].key_arn) == module.kms.key_arn
    error_message = "Secrets must be encrypted with the stack's customer-managed key."
  }

  assert {
    condition     = module.kms.rotation_enabled
    error_message = "The EKS KMS key must rotate."
  }
}

run "endpoint_private_by_default" {
  command = plan

  assert {
    condition     = aws_eks_cluster.this.vpc_config[0].endpoint_private_access == true
    error_message = "The private API endpoint must be on."
  }

  assert {
    condition     = aws_eks_cluster.this.vpc_config[0].endpoint_public_access == false
    error_message = "The public API endpoint must be off unless an allow-list is given."
  }

  assert {
    condition     = aws_eks_cluster.this.vpc_config[0].subnet_ids == toset(["subnet-0private0a", "subnet-0private0b", "subnet-0private0c"])
    error_message = "The control plane ENIs must be in the private subnets of the network stack."
  }
}

run "public_endpoint_only_for_allow_list" {
  command = plan

  variables {
    endpoint_public_access_cidrs = ["203.0.113.7/32"]
  }

  assert {
    condition     = aws_eks_cluster.this.vpc_config[0].endpoint_public_access && aws_eks_cluster.this.vpc_config[0].public_access_cidrs == toset(["203.0.113.7/32"])
    error_message = "With an allow-list, the public endpoint must be on and limited to exactly those CIDRs."
  }

  assert {
    condition     = aws_eks_cluster.this.vpc_config[0].endpoint_private_access
    error_message = "The private endpoint must stay on when the public one is opened."
  }
}

run "public_endpoint_never_open_to_the_world" {
  command = plan

  variables {
    endpoint_public_access_cidrs = ["203.0.113.7/32", "0.0.0.0/0"]
  }

  expect_failures = [var.endpoint_public_access_cidrs]
}

run "access_entries_instead_of_aws_auth" {
  command = plan

  variables {
    cluster_admin_principal_arns = ["arn:aws:iam::123456789012:role/platform-admin"]
  }

  assert {
    condition     = aws_eks_cluster.this.access_config[0].authentication_mode == "API"
    error_message = "Authentication must use access entries only (API), not the aws-auth ConfigMap."
  }

  assert {
    condition     = aws_eks_access_entry.admin["arn:aws:iam::123456789012:role/platform-admin"].type == "STANDARD"
    error_message = "Each admin principal must get an access entry."
  }

  assert {
    condition = (
      endswith(aws_eks_access_policy_association.admin["arn:aws:iam::123456789012:role/platform-admin"].policy_arn, "cluster-access-policy/AmazonEKSClusterAdminPolicy") &&
      aws_eks_access_policy_association.admin["arn:aws:iam::123456789012:role/platform-admin"].access_scope[0].type == "cluster"
    )
    error_message = "Admin principals must get AmazonEKSClusterAdminPolicy on the whole cluster."
  }
}

run "core_addons_managed_by_eks" {
  command = plan

  assert {
    condition     = aws_eks_cluster.this.bootstrap_self_managed_addons == false
    error_message = "Self-managed add-ons must not be installed next to the EKS-managed ones."
  }

  assert {
    condition     = setunion(keys(aws_eks_addon.before_compute), keys(aws_eks_addon.after_compute)) == toset(["vpc-cni", "coredns", "kube-proxy", "eks-pod-identity-agent"])
    error_message = "vpc-cni, coredns, kube-proxy and eks-pod-identity-agent must be EKS-managed add-ons."
  }

  assert {
    condition     = contains(keys(aws_eks_addon.before_compute), "vpc-cni") && contains(keys(aws_eks_addon.after_compute), "coredns")
    error_message = "The CNI must exist before the nodes (or they never get Ready); CoreDNS needs nodes to schedule."
  }
  assert {
    condition     = jsondecode(aws_eks_addon.before_compute["vpc-cni"].configuration_values).enableNetworkPolicy == "true"
    error_message = "The VPC CNI must run its network policy agent, or the app's NetworkPolicies are not enforced."
  }
}

run "system_node_group_for_karpenter_controller" {
  command = plan

  assert {
    condition     = aws_eks_node_group.system.labels["karpenter.sh/controller"] == "true" && aws_eks_node_group.system.labels["role"] == "system"
    error_message = "The system node group must be labelled karpenter.sh/controller=true and role=system (the Karpenter controller's nodeSelector)."
  }

  assert {
    condition     = aws_eks_node_group.system.subnet_ids == toset(["subnet-0private0a", "subnet-0private0b", "subnet-0private0c"])
    error_message = "System nodes must run in the three private subnets."
  }

  assert {
    condition     = aws_eks_node_group.system.scaling_config[0].min_size >= 2
    error_message = "At least two system nodes, so the controller and CoreDNS survive losing one."
  }

  assert {
    condition = (
      length(aws_eks_node_group.system.taint) == 1 &&
      one(aws_eks_node_group.system.taint[*].key) == "CriticalAddonsOnly" &&
      one(aws_eks_node_group.system.taint[*].effect) == "NO_SCHEDULE"
    )
    error_message = "System nodes must be tainted CriticalAddonsOnly:NoSchedule, so the app and the mesh land on Karpenter's nodes (Flux and infra-controllers tolerate it)."
  }

  assert {
    condition = (
      aws_launch_template.system.metadata_options[0].http_tokens == "required" &&
      aws_launch_template.system.metadata_options[0].http_put_response_hop_limit == 1
    )
    error_message = "Nodes must require IMDSv2 with hop limit 1, so pods cannot use the node role."
  }

  assert {
    condition     = aws_launch_template.system.block_device_mappings[0].ebs[0].encrypted == "true"
    error_message = "Node root volumes must be encrypted."
  }
}

run "karpenter_wiring_and_flux_contract" {
  command = apply

  assert {
    condition     = output.karpenter_node_role_name == "takehome-karpenter-node" && output.karpenter_queue_name == "takehome"
    error_message = "Karpenter node role and queue names must be stable (EC2NodeClass spec.role, settings.interruptionQueue)."
  }

  assert {
    condition     = output.karpenter_namespace == "kube-system" && output.karpenter_service_account == "karpenter"
    error_message = "The Karpenter Pod Identity association must target kube-system/karpenter."
  }

  assert {
    condition = alltrue([
      for key in ["CLUSTER_NAME", "CLUSTER_ENDPOINT", "KARPENTER_QUEUE_NAME", "KARPENTER_NODE_ROLE_NAME", "AWS_REGION"] :
      contains(keys(output.cluster_vars), key) && output.cluster_vars[key] != ""
    ])
    error_message = "cluster_vars must provide every variable the Flux manifests substitute."
  }

  assert {
    condition     = output.cluster_vars.CLUSTER_NAME == "takehome" && output.cluster_vars.AWS_REGION == "eu-west-1" && output.cluster_vars.CLUSTER_ENDPOINT == aws_eks_cluster.this.endpoint
    error_message = "cluster_vars must carry the real cluster name, region and endpoint."
  }

  assert {
    condition     = aws_ec2_tag.cluster_security_group_discovery.key == "karpenter.sh/discovery" && aws_ec2_tag.cluster_security_group_discovery.resource_id == aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
    error_message = "The cluster security group must carry the Karpenter discovery tag so Karpenter nodes get it."
  }
}

run "pod_logs_shipped_with_retention" {
  command = apply

  variables {
    pod_log_retention_days = 14
  }

  # Fluent Bit (amazon-cloudwatch-observability) writes to exactly these names;
  # a group it has to create itself never expires and is not KMS-encrypted.
  assert {
    condition = toset([for g in aws_cloudwatch_log_group.container_insights : g.name]) == toset([
      "/aws/containerinsights/takehome/application",
      "/aws/containerinsights/takehome/dataplane",
      "/aws/containerinsights/takehome/host",
      "/aws/containerinsights/takehome/performance",
    ])
    error_message = "The pod, node and performance log groups must have the names the add-on writes to."
  }

  assert {
    condition = alltrue([
      for g in aws_cloudwatch_log_group.container_insights :
      g.retention_in_days == 14 && g.kms_key_id == module.kms.key_arn
    ])
    error_message = "Pod logs must expire after pod_log_retention_days and be KMS-encrypted."
  }

  assert {
    condition     = aws_eks_addon.cloudwatch_observability[0].addon_name == "amazon-cloudwatch-observability" && jsondecode(aws_eks_addon.cloudwatch_observability[0].configuration_values).containerLogs.enabled == true
    error_message = "The CloudWatch Observability add-on must ship container logs."
  }

  # Left at the chart's default, Application Signals auto-monitors every Service's workloads and
  # the operator injects instrumentation into the app's pods.
  assert {
    condition     = jsondecode(aws_eks_addon.cloudwatch_observability[0].configuration_values).manager.applicationSignals.autoMonitor.monitorAllServices == false
    error_message = "Application Signals auto-monitoring must be off explicitly."
  }

  assert {
    condition     = module.cloudwatch_agent_identity.namespace == "amazon-cloudwatch" && module.cloudwatch_agent_identity.service_account == "cloudwatch-agent"
    error_message = "The agent's role must be associated with the add-on's own service account."
  }

  # Logs may only be written to this cluster's groups, and retention never changed.
  assert {
    condition = alltrue(flatten([
      for s in data.aws_iam_policy_document.cloudwatch_agent.statement : [
        for a in s.actions : a == "logs:DescribeLogGroups" || toset(s.resources) == toset(["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/containerinsights/takehome/*"])
      ] if length([for a in s.actions : a if startswith(a, "logs:")]) > 0
    ]))
    error_message = "The agent may only write to /aws/containerinsights/<cluster>/*."
  }

  assert {
    condition     = !contains(flatten(data.aws_iam_policy_document.cloudwatch_agent.statement[*].actions), "logs:PutRetentionPolicy")
    error_message = "The agent must not be able to change the groups' retention."
  }
}

# A new cluster's only nodes are the tainted system group, where the add-on's operator cannot
# run: the first apply (terraform-apply.sh) leaves the add-on out, and everything it needs in.
run "cloudwatch_addon_waits_for_capacity" {
  command = apply

  variables {
    cloudwatch_observability = false
  }

  assert {
    condition     = length(aws_eks_addon.cloudwatch_observability) == 0
    error_message = "With cloudwatch_observability = false the add-on must not be created."
  }

  assert {
    condition     = length(aws_cloudwatch_log_group.container_insights) == 4 && module.cloudwatch_agent_identity.service_account == "cloudwatch-agent"
    error_message = "The log groups and the agent's identity are created ahead of the add-on."
  }
}

run "pod_log_retention_must_be_a_cloudwatch_value" {
  command = plan

  variables {
    pod_log_retention_days = 10
  }

  expect_failures = [var.pod_log_retention_days]
}
