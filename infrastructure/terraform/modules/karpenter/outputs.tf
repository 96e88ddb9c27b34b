output "queue_name" {
  description = "Name of the SQS interruption queue (Helm value `settings.interruptionQueue`)."
  value       = aws_sqs_queue.interruption.name
}

output "queue_arn" {
  description = "ARN of the SQS interruption queue."
  value       = aws_sqs_queue.interruption.arn
}

output "queue_url" {
  description = "URL of the SQS interruption queue."
  value       = aws_sqs_queue.interruption.url
}

output "event_rules" {
  description = "EventBridge rules feeding the interruption queue, by purpose: name and event pattern."
  value = {
    for key, rule in aws_cloudwatch_event_rule.this : key => {
      name    = rule.name
      pattern = rule.event_pattern
    }
  }
}

output "node_role_name" {
  description = "Name of the node IAM role; EC2NodeClass `spec.role` must equal it."
  value       = module.node_role.name
}

output "node_role_policy_arns" {
  description = "AWS-managed policies attached to the node IAM role."
  value       = module.node_role.policy_arns
}

output "node_role_arn" {
  description = "ARN of the node IAM role."
  value       = module.node_role.arn
}

output "controller_role_arn" {
  description = "ARN of the controller IAM role (bound to the service account through EKS Pod Identity)."
  value       = module.controller_role.role_arn
}

output "namespace" {
  description = "Namespace the controller must run in for the Pod Identity association to apply."
  value       = module.controller_role.namespace
}

output "service_account" {
  description = "Service account the controller must use for the Pod Identity association to apply."
  value       = module.controller_role.service_account
}
