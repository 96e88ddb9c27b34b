# tflint configuration for infrastructure/terraform (used by .github/workflows/infrastructure.yml).
config {
  # Lint module calls too (local modules under infrastructure/terraform/modules).
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "aws" {
  enabled = true
  version = "0.48.0"
  source  = "github.com/terraform-linters/tflint-ruleset-aws"
}
