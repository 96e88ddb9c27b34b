################################################################################
# Read access for External Secrets Operator (EKS Pod Identity on its service
# account) to three secrets: the RDS-managed master secret, and two that
# terraform-apply.sh creates only when given a value: the chat webhook for
# release notifications (docs/releasing.md "Notifications") and the app's Sentry DSN
# (docs/operating.md "Error tracking"). Both are encrypted with the aws/secretsmanager key,
# which Secrets Manager may use on the reader's behalf without a KMS grant here.
################################################################################

data "aws_caller_identity" "current" {}

locals {
  master_secret_arn          = one(aws_db_instance.this.master_user_secret[*].secret_arn)
  notifications_secret_name  = "${var.name}/notifications-webhook"
  notifications_secret_match = "arn:${local.partition}:secretsmanager:${var.region}:${data.aws_caller_identity.current.account_id}:secret:${local.notifications_secret_name}-??????"
  sentry_secret_name         = "${var.name}/sentry-dsn"
  sentry_secret_match        = "arn:${local.partition}:secretsmanager:${var.region}:${data.aws_caller_identity.current.account_id}:secret:${local.sentry_secret_name}-??????"
}

data "aws_iam_policy_document" "external_secrets" {
  statement {
    sid       = "ReadDatabaseMasterSecret"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [local.master_secret_arn]
  }

  statement {
    sid       = "ReadNotificationsWebhook"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [local.notifications_secret_match]
  }

  statement {
    sid       = "ReadSentryDsn"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [local.sentry_secret_match]
  }

  statement {
    sid       = "DecryptDatabaseMasterSecret"
    actions   = ["kms:Decrypt"]
    resources = [module.kms.key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${var.region}.amazonaws.com"]
    }
  }
}

module "external_secrets_role" {
  source = "../modules/pod-identity-role"

  name            = "${var.name}-external-secrets"
  description     = "External Secrets Operator of ${var.name}: reads the RDS master secret, the notifications webhook and the Sentry DSN"
  cluster_name    = local.cluster.cluster_name
  namespace       = var.external_secrets_namespace
  service_account = var.external_secrets_service_account
  policy_json     = data.aws_iam_policy_document.external_secrets.json
}
