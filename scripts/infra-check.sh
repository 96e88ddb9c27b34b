#!/usr/bin/env bash
# Offline checks of the Terraform code and the root Terraform scripts
# (`make infra-check`; needs no AWS credentials and no network):
#
#   1. terraform fmt -check -recursive
#   2. terraform init -backend=false + validate in every stack and module
#   3. terraform test in every stack with tests/ (AWS provider mocked)
#   4. checkov over infrastructure/terraform (zero failed checks)
#   5. shellcheck on terraform-apply.sh, terraform-destroy.sh, their shared
#      library and this script
#   6. pytest infrastructure/terraform/scripts/tests: the apply script's preflight against
#      stubbed tools (no AWS, no network), and the user path (apply, apply again, destroy
#      failing half-way, again, re-apply, --include-bootstrap) with every stack applied for
#      real against an AWS API emulator: moto in server mode, plus the EKS calls moto lacks
#      (aws_emulator.py); kubectl, flux and ghcr.io are stubbed (about 15 minutes)
#
# The hashicorp/aws provider comes from a local mirror when one is found
# ($TF_PLUGIN_DIR, or a tf-plugins directory in a few usual places);
# otherwise `terraform init` downloads it from the registry.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

TF_ROOT=infrastructure/terraform
TOOLS_BIN=${TOOLS_BIN:-.venv-tools/bin}
SCRIPTS=(terraform-apply.sh terraform-destroy.sh infrastructure/terraform/scripts/common.sh infrastructure/terraform/scripts/rds-ca-bundle.sh scripts/infra-check.sh)

started=$(date +%s)
failures=()
summary=()

say() { printf '\n==> %s\n' "$*"; }
record() { # record <step> <ok|FAIL> <detail>
  summary+=("$(printf '%-10s %-4s %s' "$1" "$2" "$3")")
  if [[ $2 != ok ]]; then failures+=("$1"); fi
}

# --- tools ---------------------------------------------------------------------

if ! command -v terraform >/dev/null 2>&1; then
  echo "infra-check: FAILED: 'terraform' is not on PATH." >&2
  echo "Install Terraform >= 1.10 (https://developer.hashicorp.com/terraform/install) and run 'make infra-check' again." >&2
  exit 1
fi
for tool in checkov shellcheck pytest; do
  if [[ ! -x $TOOLS_BIN/$tool ]]; then
    echo "infra-check: FAILED: $TOOLS_BIN/$tool is missing; run 'make tools' first." >&2
    exit 1
  fi
done

export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
# A TF_CLI_CONFIG_FILE that points nowhere only produces warnings; drop it.
if [[ -n ${TF_CLI_CONFIG_FILE:-} && ! -f $TF_CLI_CONFIG_FILE ]]; then
  unset TF_CLI_CONFIG_FILE
fi

find_plugin_dir() {
  local candidate
  for candidate in "${TF_PLUGIN_DIR:-}" /opt/tf-plugins /usr/local/share/tf-plugins /usr/share/tf-plugins \
    "$HOME/tf-plugins" "$HOME/.terraform.d/plugins" /tf-plugins; do
    if [[ -n $candidate && -d $candidate/registry.terraform.io/hashicorp/aws ]]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

init_args=(init -backend=false -input=false -no-color)
if plugin_dir=$(find_plugin_dir); then
  init_args+=("-plugin-dir=$plugin_dir")
  provider_source="local mirror $plugin_dir"
else
  provider_source="registry (no local mirror found; set TF_PLUGIN_DIR to use one)"
fi

echo "infra-check: $(terraform version | head -n 1), providers from $provider_source"

# --- 1. fmt --------------------------------------------------------------------

say "terraform fmt -check -recursive $TF_ROOT"
if terraform fmt -check -recursive -diff "$TF_ROOT"; then
  record fmt ok "all files formatted"
else
  record fmt FAIL "run: terraform fmt -recursive $TF_ROOT"
fi

# --- 2. init + validate ----------------------------------------------------------

mapfile -t stacks < <(find "$TF_ROOT" -mindepth 1 -maxdepth 1 -type d ! -name modules ! -name testing ! -name '.*' -exec test -e '{}/versions.tf' ';' -print | sort)
mapfile -t modules < <(find "$TF_ROOT/modules" -mindepth 1 -maxdepth 1 -type d | sort)

log=$(mktemp)
trap 'rm -f "$log"' EXIT

validated=0
invalid=()
for dir in "${modules[@]}" "${stacks[@]}"; do
  say "init + validate $dir"
  if terraform -chdir="$dir" "${init_args[@]}" >"$log" 2>&1 && terraform -chdir="$dir" validate -no-color; then
    validated=$((validated + 1))
  else
    cat "$log"
    invalid+=("$dir")
  fi
done
if ((${#invalid[@]} == 0)); then
  record validate ok "$validated directories"
else
  record validate FAIL "${invalid[*]}"
fi

# --- 3. terraform test -------------------------------------------------------------

tests_passed=0
tests_failed=0
test_failures=()
for dir in "${stacks[@]}"; do
  compgen -G "$dir/tests/*.tftest.hcl" >/dev/null || continue
  say "terraform test $dir"
  status=0
  terraform -chdir="$dir" test -no-color 2>&1 | tee "$log" || status=$?
  result=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)
  if [[ -n $result ]]; then
    tests_passed=$((tests_passed + ${result%% passed*}))
    failed=${result#*, }
    tests_failed=$((tests_failed + ${failed%% failed*}))
  fi
  if ((status != 0)) || [[ -z $result ]]; then
    test_failures+=("$dir")
  fi
done
if ((${#test_failures[@]} == 0 && tests_passed > 0)); then
  record test ok "$tests_passed run blocks passed"
else
  record test FAIL "$tests_passed passed, $tests_failed failed; failing: ${test_failures[*]:-none ran}"
fi

# --- 4. checkov ---------------------------------------------------------------------

say "checkov -d $TF_ROOT"
status=0
"$TOOLS_BIN/checkov" -d "$TF_ROOT" --framework terraform --compact --quiet --skip-download \
  --skip-path '\.terraform' 2>&1 | tee "$log" || status=$?
checkov_result=$(grep -Eo 'Passed checks: [0-9]+, Failed checks: [0-9]+, Skipped checks: [0-9]+' "$log" | tail -n 1 || true)
if ((status == 0)) && [[ -n $checkov_result ]]; then
  record checkov ok "$checkov_result"
else
  record checkov FAIL "${checkov_result:-no result (exit $status)}"
fi

# --- 5. shellcheck ------------------------------------------------------------------

say "shellcheck ${SCRIPTS[*]}"
if "$TOOLS_BIN/shellcheck" --external-sources "${SCRIPTS[@]}"; then
  record shellcheck ok "${#SCRIPTS[@]} scripts clean"
else
  record shellcheck FAIL "see above"
fi

# --- 6. the apply script's preflight (stubbed aws/terraform/kubectl/flux/curl) -------

APPLY_TESTS=infrastructure/terraform/scripts/tests
say "pytest $APPLY_TESTS (the scripts' preflight, and the user path against the AWS emulator)"
if [[ -z ${plugin_dir:-} ]]; then
  echo "infra-check: the user path needs a local mirror of the hashicorp/aws provider (TF_PLUGIN_DIR)" >&2
fi
status=0
TF_PLUGIN_DIR=${plugin_dir:-} "$TOOLS_BIN/pytest" -c "$APPLY_TESTS/pytest.ini" --rootdir "$APPLY_TESTS" -q -s \
  "$APPLY_TESTS" 2>&1 | tee "$log" || status=$?
apply_result=$(grep -E '^user-path: |[0-9]+ (passed|failed)' "$log" | tail -n 1)
if ((status == 0)); then
  record scripts ok "$apply_result"
else
  record scripts FAIL "${apply_result:-exit $status}"
fi

# --- summary ------------------------------------------------------------------------

printf '\n==> infra-check summary (%ss)\n' "$(($(date +%s) - started))"
printf '%s\n' "${summary[@]}"
echo "terraform-test: $tests_passed passed, $tests_failed failed"
if ((${#failures[@]} > 0)); then
  echo "infra-check: FAILED (${failures[*]})" >&2
  exit 1
fi
echo "infra-check: OK"
