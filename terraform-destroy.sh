#!/usr/bin/env bash
# Tears the environment down in the reverse order of terraform-apply.sh.
#
#   1. Kubernetes: suspend Flux, delete Ingresses, LoadBalancer Services and
#      Karpenter NodePools/NodeClaims, wait until the NLB and the Karpenter
#      nodes are gone (they are not in Terraform state and would block the VPC).
#      Without the Kubernetes API (an endpoint that no longer admits this machine):
#      stop Karpenter by scaling the system node group to zero, then delete the
#      load balancers and terminate Karpenter's instances through AWS.
#   2. Terraform: database -> cluster -> network (-> bootstrap with
#      --include-bootstrap, which deletes the state bucket and all state history);
#      then what AWS made outside Terraform: the log groups EKS and Fluent Bit
#      write again while the cluster shuts down, and the secrets terraform-apply.sh
#      stored (notifications webhook, Sentry DSN).
# Safe to run again: stacks whose state holds no resources are skipped, and a database
# that no longer exists is never recreated for its final snapshot.
#
# Usage: ./terraform-destroy.sh [--plan] [--yes] [--include-bootstrap] [--skip-final-snapshot]
#
#   --plan                 show what would be destroyed, change nothing
#   --yes                  do not ask (needed without a terminal)
#   --include-bootstrap    also delete the state bucket (last; needs the local bootstrap state)
#   --skip-final-snapshot  delete the database without a final snapshot
#
# Environment: PROJECT_NAME, AWS_REGION, TF_STATE_BUCKET, TF_VAR_*
# (see infrastructure/terraform/scripts/common.sh); DRAIN_TIMEOUT seconds to
# wait for load balancers and nodes to go (default 600).
set -euo pipefail

# shellcheck source=infrastructure/terraform/scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/infrastructure/terraform/scripts/common.sh"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

INCLUDE_BOOTSTRAP=false
SKIP_FINAL_SNAPSHOT=false
while (($# > 0)); do
  case $1 in
  --plan | --dry-run) PLAN_ONLY=true ;;
  --yes | -y) ASSUME_YES=true ;;
  --include-bootstrap) INCLUDE_BOOTSTRAP=true ;;
  --skip-final-snapshot) SKIP_FINAL_SNAPSHOT=true ;;
  -h | --help)
    usage
    exit 0
    ;;
  *) die "unknown argument: $1 (see --help)" ;;
  esac
  shift
done

DRAIN_TIMEOUT=${DRAIN_TIMEOUT:-600}
VPC_ID=""

################################################################################
# Preflight
################################################################################

preflight() {
  require_tools aws terraform jq kubectl
  preflight_aws
  resolve_state_bucket
  bucket_exists || die "state bucket $STATE_BUCKET not found (set TF_STATE_BUCKET?); nothing to destroy from state"
  log "state bucket: $STATE_BUCKET"

  if stack_has_state network; then
    tf_init network
    VPC_ID=$(tf_output_json network vpc_id | jq -r '. // empty')
  fi

  if [[ $PLAN_ONLY == true ]]; then
    log "plan mode: nothing will be changed"
    return 0
  fi
  cat <<EOF

This DESTROYS project $NAME in account $ACCOUNT_ID ($REGION): the load balancer, the EKS
cluster with every workload, the database (final snapshot: $([[ $SKIP_FINAL_SNAPSHOT == true ]] && echo no || echo "yes")) and the VPC.
$([[ $INCLUDE_BOOTSTRAP == true ]] && echo "The state bucket $STATE_BUCKET and all state history are deleted last.")

EOF
  confirm "Destroy $NAME?" || die "aborted"
}

################################################################################
# 1. What Kubernetes created in AWS
################################################################################

# wait_for "what" COMMAND...: until COMMAND lists nothing (0), or DRAIN_TIMEOUT
# or a failing COMMAND (1).
wait_for() {
  local what=$1 deadline=$((SECONDS + DRAIN_TIMEOUT)) left
  shift
  while true; do
    left=$("$@") || {
      warn "could not list $what"
      return 1
    }
    [[ -n $left ]] || return 0
    if ((SECONDS >= deadline)); then
      warn "still there after ${DRAIN_TIMEOUT}s: $what: $(tr '\n' ' ' <<<"$left")"
      return 1
    fi
    log "waiting for $what to go: $(tr '\n' ' ' <<<"$left")"
    sleep 15
  done
}

vpc_load_balancers() {
  aws elbv2 describe-load-balancers --output json |
    jq -r --arg vpc "$VPC_ID" '.LoadBalancers[] | select(.VpcId == $vpc) | .LoadBalancerArn'
  aws elb describe-load-balancers --output json |
    jq -r --arg vpc "$VPC_ID" '.LoadBalancerDescriptions[] | select(.VPCId == $vpc) | .LoadBalancerName'
}

karpenter_instances() {
  aws ec2 describe-instances --output text --query 'Reservations[].Instances[].InstanceId' \
    --filters "Name=tag:kubernetes.io/cluster/$NAME,Values=owned" "Name=tag-key,Values=karpenter.sh/nodepool" \
    "Name=instance-state-name,Values=pending,running,stopping,stopped,shutting-down" | tr '\t' '\n' | sed '/^$/d'
}

crd_exists() { kubectl get crd "$1" >/dev/null 2>&1; }

drain_kubernetes() {
  log "suspending Flux so it does not recreate what is deleted next"
  local kind
  for kind in kustomizations.kustomize.toolkit.fluxcd.io helmreleases.helm.toolkit.fluxcd.io; do
    crd_exists "$kind" || continue
    kubectl get "$kind" -A -o json |
      jq -r '.items[] | "\(.metadata.namespace) \(.metadata.name)"' |
      while read -r namespace name; do
        kubectl -n "$namespace" patch "$kind" "$name" --type=merge -p '{"spec":{"suspend":true}}' >/dev/null
      done
  done

  log "deleting Ingresses and Services of type LoadBalancer"
  kubectl delete ingress --all --all-namespaces --wait=false
  kubectl get services -A -o json |
    jq -r '.items[] | select(.spec.type == "LoadBalancer") | "\(.metadata.namespace) \(.metadata.name)"' |
    while read -r namespace name; do
      kubectl -n "$namespace" delete service "$name" --wait=false
    done

  # Every NodeClaim goes at once, so an evicted pod has nowhere to go: a PodDisruptionBudget
  # (realworld's minAvailable, the charts' own) would block each drain until the timeout.
  # Flux is suspended, so nothing puts them back.
  log "deleting PodDisruptionBudgets (nothing is left to protect; they would stall the node drains)"
  kubectl delete poddisruptionbudgets --all --all-namespaces --wait=false >/dev/null || true

  if crd_exists nodepools.karpenter.sh; then
    log "deleting Karpenter NodePools and NodeClaims (Karpenter terminates their instances)"
    kubectl delete nodepools.karpenter.sh --all --wait=false
    if ! kubectl delete nodeclaims.karpenter.sh --all --timeout="${DRAIN_TIMEOUT}s"; then
      warn "NodeClaims did not finish deleting in ${DRAIN_TIMEOUT}s: terminating their instances through EC2"
      terminate_karpenter_instances
    fi
  fi
  if crd_exists ec2nodeclasses.karpenter.k8s.aws; then
    # Karpenter removes the instance profiles it created when the class goes.
    kubectl delete ec2nodeclasses.karpenter.k8s.aws --all --timeout="${DRAIN_TIMEOUT}s" ||
      warn "EC2NodeClasses did not finish deleting"
  fi
}

# Instances of the cluster's managed node groups (where Karpenter itself runs).
system_instances() {
  aws ec2 describe-instances --output text --query 'Reservations[].Instances[].InstanceId' \
    --filters "Name=tag:eks:cluster-name,Values=$NAME" "Name=tag-key,Values=eks:nodegroup-name" \
    "Name=instance-state-name,Values=pending,running,stopping,stopped,shutting-down" | tr '\t' '\n' | sed '/^$/d'
}

# Karpenter relaunches the instances it loses while it runs: terminating them first only
# starts a loop. It runs on the managed node group, so that goes to zero first.
stop_karpenter_through_aws() {
  local group
  for group in $(aws eks list-nodegroups --cluster-name "$NAME" --query 'nodegroups[]' --output text); do
    log "scaling node group $group to zero: Karpenter stops, and with it every relaunch"
    aws eks update-nodegroup-config --cluster-name "$NAME" --nodegroup-name "$group" \
      --scaling-config minSize=0,maxSize=1,desiredSize=0 >/dev/null ||
      die "could not scale node group $group to zero"
  done
  wait_for "system nodes (Karpenter's)" system_instances ||
    die "the system nodes are still there; Karpenter could still relaunch nodes"
}

# Without the Kubernetes API, delete the same things through the AWS API.
drain_aws_directly() {
  local arn
  warn "the Kubernetes API is not reachable (the endpoint may no longer admit this machine's address);" \
    "stopping Karpenter and removing cluster-created load balancers and instances through AWS"
  confirm "Scale $NAME's node groups to zero, delete load balancers in ${VPC_ID:-the VPC} tagged for $NAME and terminate Karpenter instances?" ||
    die "aborted"
  stop_karpenter_through_aws
  [[ -n $VPC_ID ]] || {
    terminate_karpenter_instances
    return 0
  }
  for arn in $(aws elbv2 describe-load-balancers --output json |
    jq -r --arg vpc "$VPC_ID" '.LoadBalancers[] | select(.VpcId == $vpc) | .LoadBalancerArn'); do
    if aws elbv2 describe-tags --resource-arns "$arn" --output json |
      jq -e --arg key "kubernetes.io/cluster/$NAME" '.TagDescriptions[0].Tags | any(.Key == $key)' >/dev/null; then
      log "deleting load balancer $arn"
      aws elbv2 delete-load-balancer --load-balancer-arn "$arn"
    fi
  done
  terminate_karpenter_instances
}

terminate_karpenter_instances() {
  local instances
  instances=$(karpenter_instances)
  if [[ -n $instances ]]; then
    log "terminating Karpenter instances: $(tr '\n' ' ' <<<"$instances")"
    # shellcheck disable=SC2086 # one instance id per word
    aws ec2 terminate-instances --instance-ids $instances >/dev/null
  fi
}

# Security groups the in-cluster cloud controller made for load balancers
# (tagged for the cluster) would keep the VPC from being deleted.
delete_leftover_security_groups() {
  local group
  for group in $(aws ec2 describe-security-groups --output text --query 'SecurityGroups[].GroupId' \
    --filters "Name=vpc-id,Values=$VPC_ID" "Name=tag:kubernetes.io/cluster/$NAME,Values=owned"); do
    log "deleting leftover security group $group"
    aws ec2 delete-security-group --group-id "$group" || warn "could not delete $group"
  done
}

release_aws_resources() {
  if ! aws eks describe-cluster --name "$NAME" >/dev/null 2>&1; then
    log "cluster $NAME does not exist: nothing to drain"
    return 0
  fi
  if [[ $PLAN_ONLY == true ]]; then
    log "would suspend Flux, delete Ingresses/LoadBalancer Services/Karpenter NodePools and wait for:"
    [[ -z $VPC_ID ]] || vpc_load_balancers | sed 's/^/  load balancer /'
    karpenter_instances | sed 's/^/  Karpenter instance /'
    return 0
  fi
  if use_cluster; then
    drain_kubernetes
  else
    drain_aws_directly
  fi
  [[ -z $VPC_ID ]] || wait_for "load balancers in $VPC_ID" vpc_load_balancers ||
    die "load balancers remain; delete them (or rerun) before destroying the network"
  wait_for "Karpenter instances" karpenter_instances ||
    die "Karpenter instances remain; terminate them (or rerun) before destroying the cluster"
}

################################################################################
# 2. Terraform, reverse order
################################################################################

# destroy_stack STACK: destroy (or plan the destroy) when the stack has state.
destroy_stack() {
  local stack=$1
  if ! stack_has_state "$stack"; then
    log "$stack: no state, skipped"
    return 0
  fi
  tf_init "$stack"
  if [[ $PLAN_ONLY == true ]]; then
    log "terraform plan -destroy ($stack)"
    terraform -chdir="$TF_ROOT/$stack" plan -destroy -input=false || die "terraform plan -destroy failed for $stack"
    return 0
  fi
  log "terraform destroy ($stack)"
  terraform -chdir="$TF_ROOT/$stack" destroy -input=false -auto-approve || die "terraform destroy failed for $stack"
}

# Deletion protection and the snapshot settings are read from state at destroy time, so they
# are applied to the instance first: a targeted apply, which must only ever update it. On a
# re-run (the instance deleted by an earlier, half-finished destroy, or by hand) the same
# targeted apply would create a new Multi-AZ instance just to snapshot and delete it: refused
# by reading the plan before applying it.
DATABASE_EXISTS=false
prepare_database() {
  local plan="$WORK_DIR/database-protection.tfplan" actions key
  stack_has_resource database 'aws_db_instance\.this' || {
    log "database: no instance in state (already deleted): no final snapshot to take"
    return 0
  }
  # An earlier run that failed after keeping the snapshot's key (keep_snapshot_key) left the
  # instance in state without its key: put the key back, or the plan would replace both.
  if ! stack_has_resource database 'module\.kms\.aws_kms_key\.this'; then
    key=$(terraform -chdir="$TF_ROOT/database" show -json |
      jq -r '[.values.root_module.resources[]? | select(.address == "aws_db_instance.this") | .values.kms_key_id][0] // empty')
    [[ -n $key ]] || die "the database's KMS key is neither in state nor named by the instance"
    log "re-importing the database's KMS key $key, kept out of state by an earlier run"
    terraform -chdir="$TF_ROOT/database" import -input=false module.kms.aws_kms_key.this "$key" >/dev/null ||
      die "could not re-import $key"
  fi
  TF_VAR_deletion_protection=false terraform -chdir="$TF_ROOT/database" plan -input=false \
    -target=aws_db_instance.this -out="$plan" >/dev/null || die "could not plan the database's deletion settings"
  actions=$(terraform -chdir="$TF_ROOT/database" show -json "$plan" |
    jq -c '[.resource_changes[]? | select(.address == "aws_db_instance.this") | .change.actions][0] // ["no-op"]')
  case $actions in
  '["create"]')
    warn "the database instance in state no longer exists in AWS: no final snapshot; nothing is created"
    return 0
    ;;
  *delete*) die "the deletion settings would replace the database instance ($actions); not applying that" ;;
  esac
  DATABASE_EXISTS=true
  log "turning off deletion protection (final snapshot: $TF_VAR_final_snapshot_identifier, skipped: $SKIP_FINAL_SNAPSHOT)"
  terraform -chdir="$TF_ROOT/database" apply -input=false "$plan" || die "could not turn off deletion protection"
}

destroy_database() {
  export TF_VAR_skip_final_snapshot=$SKIP_FINAL_SNAPSHOT
  TF_VAR_final_snapshot_identifier="$NAME-final-$(date -u +%Y%m%d%H%M)"
  export TF_VAR_final_snapshot_identifier
  if [[ $PLAN_ONLY == false ]] && stack_has_state database; then
    tf_init database
    remember_switched_secrets
    prepare_database
  fi
  if [[ $DATABASE_EXISTS == true && $SKIP_FINAL_SNAPSHOT == false ]]; then
    keep_snapshot_key
  fi
  TF_VAR_deletion_protection=false destroy_stack database
  # With the database stack: it names them and lets the cluster read them.
  [[ $PLAN_ONLY == true ]] || delete_switched_secrets
  if [[ -n $KEPT_KEY_ARN ]]; then
    aws kms create-alias --alias-name "alias/$TF_VAR_final_snapshot_identifier" --target-key-id "$KEPT_KEY_ARN" ||
      warn "could not name the kept key alias/$TF_VAR_final_snapshot_identifier"
    log "final snapshot $TF_VAR_final_snapshot_identifier is encrypted with KMS key $KEPT_KEY_ARN" \
      "(alias/$TF_VAR_final_snapshot_identifier), which is kept. Restore: docs/deploying.md, Tearing down."
  fi
}

# The final snapshot is encrypted with the database stack's KMS key, and destroying the stack
# would schedule that key's deletion: after 7-30 days the snapshot could never be restored.
# So the key leaves Terraform's state first and outlives the stack (about $1 a month); its
# alias goes with the stack, and the next apply makes a new key.
KEPT_KEY_ARN=""
keep_snapshot_key() {
  stack_has_resource database 'module\.kms\.aws_kms_key\.this' || {
    warn "the database's KMS key is no longer in state (kept by an earlier run?): see the keys tagged final-snapshot"
    return 0
  }
  KEPT_KEY_ARN=$(tf_output_json database kms_key_arn | jq -r '. // empty')
  [[ -n $KEPT_KEY_ARN ]] || die "the database stack has no kms_key_arn output; not destroying a snapshot's key"
  log "keeping KMS key $KEPT_KEY_ARN for the final snapshot (terraform state rm)"
  terraform -chdir="$TF_ROOT/database" state rm module.kms.aws_kms_key.this >/dev/null ||
    die "could not take the KMS key out of the database state"
  aws kms tag-resource --key-id "$KEPT_KEY_ARN" \
    --tags "TagKey=final-snapshot,TagValue=$TF_VAR_final_snapshot_identifier" ||
    warn "could not tag the kept key"
}

# The secrets terraform-apply.sh stores for the optional features live outside Terraform: the
# ones it tagged as its own, and the names the database stack gives them (read before it goes;
# older runs stored them untagged).
SWITCHED_SECRETS=()
remember_switched_secrets() {
  mapfile -t SWITCHED_SECRETS < <(tf_output_json database cluster_vars |
    jq -r '(. // {}) | .NOTIFICATIONS_SECRET_NAME, .SENTRY_SECRET_NAME | select(. != null and . != "")')
}

delete_switched_secrets() {
  local secret
  mapfile -t -O "${#SWITCHED_SECRETS[@]}" SWITCHED_SECRETS < <(
    aws secretsmanager list-secrets --filters Key=tag-key,Values=realworld:created-by --output json |
      jq -r --arg name "$NAME" '.SecretList[] | select(any(.Tags[]?; .Key == "realworld:project" and .Value == $name)) | .Name'
  )
  for secret in $(printf '%s\n' "${SWITCHED_SECRETS[@]}" | sort -u); do
    if aws secretsmanager describe-secret --secret-id "$secret" --query 'DeletedDate' --output text 2>/dev/null |
      grep -qx None; then
      aws secretsmanager delete-secret --secret-id "$secret" --recovery-window-in-days 7 >/dev/null &&
        log "deleted secret $secret (recoverable for 7 days; the next terraform-apply.sh restores it if given a value)"
    fi
  done
}

# Every version and delete marker of every state object, a thousand at a time, while the
# bucket's versioning is still on (force_destroy would do it too, one call at a time, after
# Terraform has suspended versioning).
empty_state_bucket() {
  local batch="$WORK_DIR/delete.json" count=0 size errors
  while true; do
    # --max-items counts versions only, not delete markers: at most 1000 keys per call.
    aws s3api list-object-versions --bucket "$STATE_BUCKET" --max-items 1000 --output json |
      jq -c '{Objects: ([(.Versions // [])[], (.DeleteMarkers // [])[] | {Key, VersionId}] | .[:1000]), Quiet: true}' >"$batch"
    size=$(jq '.Objects | length' "$batch")
    ((size > 0)) || break
    errors=$(aws s3api delete-objects --bucket "$STATE_BUCKET" --delete "file://$batch" --output json |
      jq -c '.Errors // []') || die "could not empty $STATE_BUCKET"
    [[ $errors == "[]" ]] || die "could not delete from $STATE_BUCKET: $errors"
    count=$((count + size))
  done
  log "emptied $STATE_BUCKET: $count object versions and delete markers"
}

destroy_bootstrap() {
  if [[ ! -f $TF_ROOT/bootstrap/terraform.tfstate ]]; then
    warn "no local bootstrap state here; delete s3://$STATE_BUCKET and its KMS key by hand if wanted"
    return 0
  fi
  terraform -chdir="$TF_ROOT/bootstrap" init -input=false >/dev/null || die "terraform init failed for bootstrap"
  export TF_VAR_state_bucket_name=$STATE_BUCKET
  if [[ $PLAN_ONLY == true ]]; then
    terraform -chdir="$TF_ROOT/bootstrap" plan -destroy -input=false || die "terraform plan -destroy failed for bootstrap"
    return 0
  fi
  confirm "Delete the state bucket $STATE_BUCKET with all state versions?" || return 0
  # force_destroy is read from state at destroy time, so it is applied first.
  TF_VAR_force_destroy=true terraform -chdir="$TF_ROOT/bootstrap" apply -input=false -auto-approve \
    -target=aws_s3_bucket.state ||
    die "could not allow the bucket to be emptied"
  empty_state_bucket
  TF_VAR_force_destroy=true terraform -chdir="$TF_ROOT/bootstrap" destroy -input=false -auto-approve ||
    die "terraform destroy failed for bootstrap"
}

################################################################################
# Main
################################################################################

WORK_DIR=$(mktemp -d)
trap 'rm -rf "$WORK_DIR"' EXIT

preflight
release_aws_resources
destroy_database
destroy_stack cluster
if [[ $PLAN_ONLY == false ]]; then
  # After the cluster: nothing writes to them any more.
  sweep_cluster_log_groups
fi
if [[ $PLAN_ONLY == false && -n $VPC_ID ]]; then
  delete_leftover_security_groups
fi
destroy_stack network
if [[ $INCLUDE_BOOTSTRAP == true ]]; then
  destroy_bootstrap
else
  log "state bucket $STATE_BUCKET kept (use --include-bootstrap to delete it)"
fi
log "done"
