################################################################################
# Read access to the one RDS-managed master secret, for External Secrets
# Operator (EKS Pod Identity on its service account)
################################################################################

locals {
  master_secret_arn = one(aws_db_instance.this.master_user_secret[*].secret_arn)
}

data "aws_iam_policy_document" "external_secrets" {
  statement {
    sid       = "ReadDatabaseMasterSecret"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [local.master_secret_arn]
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
  description     = "External Secrets Operator of ${var.name}: reads the RDS master secret only"
  cluster_name    = local.cluster.cluster_name
  namespace       = var.external_secrets_namespace
  service_account = var.external_secrets_service_account
  policy_json     = data.aws_iam_policy_document.external_secrets.json
}
