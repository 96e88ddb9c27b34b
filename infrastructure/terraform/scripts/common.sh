# shellcheck shell=bash
# Shared by terraform-apply.sh and terraform-destroy.sh (sourced, never run).
#
# Environment (all optional unless a script says otherwise):
#   PROJECT_NAME        project and EKS cluster name          (default takehome)
#   AWS_REGION          region of everything                  (default eu-west-1)
#   TF_STATE_BUCKET     state bucket; default: the bootstrap output, or
#                       <name>-tfstate-<account id>-<region>
#   TF_VAR_*            any other Terraform variable of any stack

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
TF_ROOT="$REPO_ROOT/infrastructure/terraform"
NAME=${PROJECT_NAME:-takehome}
# The region: AWS_REGION, AWS_DEFAULT_REGION, the AWS profile's own (as the AWS CLI reads it),
# then eu-west-1.
REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region 2>/dev/null || true)}}
REGION=${REGION:-eu-west-1}
# Both names: AWS CLI v2 reads AWS_REGION, v1 only AWS_DEFAULT_REGION.
export AWS_REGION="$REGION" AWS_DEFAULT_REGION="$REGION" AWS_PAGER=""
export TF_IN_AUTOMATION=1 TF_INPUT=0

# Every stack reads the variables it declares from the environment.
export TF_VAR_name="$NAME" TF_VAR_region="$REGION"

ASSUME_YES=${ASSUME_YES:-false}
PLAN_ONLY=${PLAN_ONLY:-false}
ACCOUNT_ID=""
STATE_BUCKET=""

if [[ -t 1 ]]; then
  BOLD=$'\e[1m' RED=$'\e[31m' YELLOW=$'\e[33m' RESET=$'\e[0m'
else
  BOLD="" RED="" YELLOW="" RESET=""
fi

log() { printf '%s==>%s %s\n' "$BOLD" "$RESET" "$*"; }
warn() { printf '%swarning:%s %s\n' "$YELLOW" "$RESET" "$*" >&2; }
die() {
  printf '%serror:%s %s\n' "$RED" "$RESET" "$*" >&2
  exit 1
}

# confirm "question": yes with --yes; refuses to guess without a terminal.
confirm() {
  if [[ $ASSUME_YES == true ]]; then
    return 0
  fi
  if [[ ! -t 0 ]]; then
    die "'$1' needs an answer but there is no terminal; rerun with --yes to accept."
  fi
  local answer
  read -r -p "$1 [y/N] " answer
  [[ $answer =~ ^[Yy]([Ee][Ss])?$ ]]
}

require_tools() {
  local tool missing=()
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if ((${#missing[@]} > 0)); then
    die "missing tools: ${missing[*]} (see docs/deploying.md, Prerequisites)"
  fi
}

# Checks the AWS identity and prints where we are about to work.
preflight_aws() {
  local identity
  identity=$(aws sts get-caller-identity --output json) ||
    die "no usable AWS credentials (aws sts get-caller-identity failed); log in (aws sso login / AWS_PROFILE) first"
  ACCOUNT_ID=$(jq -r .Account <<<"$identity")
  log "AWS account $ACCOUNT_ID as $(jq -r .Arn <<<"$identity"), region $REGION, project $NAME"
}

# Sets STATE_BUCKET: $TF_STATE_BUCKET, the bootstrap output, or the default name.
resolve_state_bucket() {
  if [[ -n ${TF_STATE_BUCKET:-} ]]; then
    STATE_BUCKET=$TF_STATE_BUCKET
  elif [[ -f $TF_ROOT/bootstrap/terraform.tfstate ]] &&
    STATE_BUCKET=$(terraform -chdir="$TF_ROOT/bootstrap" output -raw state_bucket_name 2>/dev/null) &&
    [[ -n $STATE_BUCKET ]]; then
    :
  else
    STATE_BUCKET="$NAME-tfstate-$ACCOUNT_ID-$REGION"
  fi
  export TF_VAR_state_bucket="$STATE_BUCKET"
}

bucket_exists() {
  aws s3api head-bucket --bucket "$STATE_BUCKET" >/dev/null 2>&1
}

state_key() { printf '%s/%s/terraform.tfstate' "$NAME" "$1"; }

# stack_state STACK: `applied` (its state in the bucket holds resources), `empty` (applied,
# then destroyed: a destroyed stack leaves its state object behind, with no resources and no
# outputs) or `none` (never applied). Any other failure to read it stops the script: taken
# for "no state", it would skip a stack or sweep a live cluster's log groups.
stack_state() {
  local key error
  key=$(state_key "$1")
  if ! error=$(aws s3api head-object --bucket "$STATE_BUCKET" --key "$key" 2>&1 >/dev/null); then
    [[ $error == *"(404)"* || $error == *"Not Found"* ]] && {
      echo none
      return 0
    }
    die "could not read s3://$STATE_BUCKET/$key: $error"
  fi
  aws s3 cp "s3://$STATE_BUCKET/$key" - --only-show-errors |
    jq -r 'if ((.resources // []) | map(select(.mode == "managed")) | length) > 0 then "applied" else "empty" end' ||
    die "could not read s3://$STATE_BUCKET/$key"
}

stack_has_state() {
  local state
  state=$(stack_state "$1") || exit 1 # a read error stops the script, even inside an `if`
  [[ $state == applied ]]
}

# stack_has_resource STACK ADDRESS-REGEX: the (initialised) stack's state holds a resource
# whose address matches (anchored, extended regex).
stack_has_resource() {
  local addresses
  addresses=$(terraform -chdir="$TF_ROOT/$1" state list) || die "terraform state list failed for $1"
  grep -qxE "$2" <<<"$addresses"
}

# tf_init STACK: init against the S3 backend (partial configuration).
tf_init() {
  local stack=$1
  log "terraform init ($stack, s3://$STATE_BUCKET/$(state_key "$stack"))"
  terraform -chdir="$TF_ROOT/$stack" init -input=false -reconfigure \
    -backend-config="bucket=$STATE_BUCKET" \
    -backend-config="key=$(state_key "$stack")" \
    -backend-config="region=$REGION" >/dev/null ||
    die "terraform init failed for $stack"
}

# tf_output_json STACK OUTPUT: one output of an applied stack, as JSON; `null` when the stack
# has no such output (never applied, or destroyed).
tf_output_json() {
  terraform -chdir="$TF_ROOT/$1" output -json "$2" 2>/dev/null || echo null
}

# csv_to_json "a, b": ["a","b"] (HCL accepts JSON lists for -var/TF_VAR_).
csv_to_json() {
  jq -cn --arg csv "$1" '$csv | split(",") | map(gsub("^\\s+|\\s+$"; "")) | map(select(length > 0))'
}

# kubeconfig for the cluster, then a quick check that the API answers.
use_cluster() {
  log "aws eks update-kubeconfig --name $NAME"
  aws eks update-kubeconfig --name "$NAME" --region "$REGION" --alias "$NAME" >/dev/null ||
    die "aws eks update-kubeconfig failed for cluster $NAME"
  kubectl --request-timeout=15s get --raw=/readyz >/dev/null 2>&1
}

# The cluster's log groups: the control plane's (/aws/eks/<name>/cluster) and Container
# Insights' (/aws/containerinsights/<name>/...). Terraform creates them (retention, KMS) and
# destroys them, but EKS and Fluent Bit write again while the cluster shuts down and create
# them anew, without either; the next apply then fails on "already exists"
# (terraform-aws-eks#2763). Deleted whenever the cluster stack holds no resources.
cluster_log_groups() {
  local prefix
  for prefix in "/aws/eks/$NAME/" "/aws/containerinsights/$NAME/"; do
    aws logs describe-log-groups --log-group-name-prefix "$prefix" \
      --query 'logGroups[].logGroupName' --output text 2>/dev/null | tr '\t' '\n' | sed '/^$/d;/^None$/d'
  done
}

sweep_cluster_log_groups() {
  local group groups error
  if stack_has_state cluster; then
    return 0
  fi
  # Only once the cluster itself is gone: its audit log must never be swept from under it.
  if error=$(aws eks describe-cluster --name "$NAME" 2>&1 >/dev/null); then
    return 0
  fi
  [[ $error == *ResourceNotFoundException* ]] || die "could not tell whether cluster $NAME exists: $error"
  groups=$(cluster_log_groups)
  [[ -n $groups ]] || return 0
  if [[ $PLAN_ONLY == true ]]; then
    log "would delete log groups left by the last cluster: $(tr '\n' ' ' <<<"$groups")"
    return 0
  fi
  for group in $groups; do
    log "deleting log group $group (written again by the last cluster after Terraform removed it)"
    aws logs delete-log-group --log-group-name "$group" || warn "could not delete $group"
  done
}
