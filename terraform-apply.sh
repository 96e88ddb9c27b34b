#!/usr/bin/env bash
# Creates (or updates) the whole AWS environment, then hands the cluster to Flux.
#
#   bootstrap -> network -> cluster -> database     (Terraform, in this order)
#   kubeconfig -> cluster-vars ConfigMap -> flux bootstrap github
#   wait for the edge's NLB (Envoy Gateway's Service envoy-edge) -> print the /etc/hosts line
#   cluster again, with the CloudWatch add-on: its operator tolerates no taint, so it waits
#   for capacity that Karpenter (installed by Flux) provides; on later runs it is just kept
#
# Usage: ./terraform-apply.sh [--plan] [--yes] [--my-ip | --in-vpc] [--skip-flux] [--notifications-only]
#
#   --plan       plan every stack that can be planned, change nothing
#   --yes        do not ask before applying (needed without a terminal)
#   --my-ip      open the public Kubernetes API endpoint to this machine's
#                public IP (/32) in addition to EKS_PUBLIC_ACCESS_CIDRS
#   --in-vpc     this machine reaches the private endpoint (SSM/bastion host or runner inside
#                the VPC); without it, --my-ip or EKS_PUBLIC_ACCESS_CIDRS, the run refuses to
#                start, since kubectl and flux could not reach the cluster afterwards
#   --skip-flux  stop after Terraform and the kubeconfig
#   --notifications-only
#                only store NOTIFICATIONS_WEBHOOK_URL and/or SENTRY_DSN and switch the alerts
#                and/or error tracking (cluster already created; no Terraform, no bootstrap)
#
# Environment:
#   GITHUB_OWNER        GitHub user or organisation holding this repository (required for Flux)
#   GITHUB_REPOSITORY   repository name (or owner/name, as in GitHub Actions) (required for Flux)
#   GITHUB_TOKEN        token `flux bootstrap github` uses (repo admin rights)   (required for Flux)
#   GITHUB_PERSONAL     true (default) when GITHUB_OWNER is a user, false for an organisation
#   FLUX_BRANCH         branch Flux follows                 (default main)
#   FLUX_PATH           path of the cluster in the repo     (default infrastructure/flux/clusters/takehome)
#   INGRESS_HOST        host name of the app                (default realworld.takehome.local)
#   INGRESS_CLUSTER_ISSUER  takehome-ca (default, in-cluster CA) or letsencrypt-staging (a public
#                       INGRESS_HOST that resolves to the NLB)
#   EKS_PUBLIC_ACCESS_CIDRS   comma-separated CIDRs for the public API endpoint (default: none, private only)
#   EKS_ADMIN_PRINCIPAL_ARNS  comma-separated IAM ARNs that get cluster-admin access entries
#   NLB_TIMEOUT         seconds to wait for the load balancer (default 2400: the Flux chain's timeouts)
#   NOTIFICATIONS_WEBHOOK_URL  chat webhook for release/GitOps alerts: stored in Secrets Manager
#                       as <project>/notifications-webhook and the alerts switched on; `off`
#                       deletes it and switches them off; unset keeps what is there
#   NOTIFICATIONS_PROVIDER     slack (default), msteams, discord or rocket
#   SENTRY_DSN          error tracking (docs/operating.md "Error tracking"): stored in
#                       Secrets Manager as <project>/sentry-dsn, handed to the app and its
#                       egress opened; `off` deletes it and switches it off; unset keeps what
#                       is there
#   RDS_CA_BUNDLE_FILE  a local copy of AWS's global-bundle.pem when truststore.pki.rds.amazonaws.com
#                       is unreachable from here (it is verified the same way)
#   PROJECT_NAME, AWS_REGION, TF_STATE_BUCKET, TF_VAR_*: see infrastructure/terraform/scripts/common.sh
set -euo pipefail

# shellcheck source=infrastructure/terraform/scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/infrastructure/terraform/scripts/common.sh"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

MY_IP=false
IN_VPC=false
SKIP_FLUX=false
NOTIFICATIONS_ONLY=false
while (($# > 0)); do
  case $1 in
  --plan | --dry-run) PLAN_ONLY=true ;;
  --yes | -y) ASSUME_YES=true ;;
  --my-ip) MY_IP=true ;;
  --in-vpc) IN_VPC=true ;;
  --skip-flux) SKIP_FLUX=true ;;
  --notifications-only) NOTIFICATIONS_ONLY=true ;;
  -h | --help)
    usage
    exit 0
    ;;
  *) die "unknown argument: $1 (see --help)" ;;
  esac
  shift
done

FLUX_BRANCH=${FLUX_BRANCH:-main}
FLUX_PATH=${FLUX_PATH:-infrastructure/flux/clusters/takehome}
INGRESS_HOST=${INGRESS_HOST:-realworld.takehome.local}
INGRESS_CLUSTER_ISSUER=${INGRESS_CLUSTER_ISSUER:-takehome-ca}
# The NLB appears once Envoy Gateway (infra-mesh) serves the Gateway (apps), after the CRD
# layers, infra-controllers and infra-configs: their Flux timeouts add up to
# 5 + 15 + 10 + 15 minutes, plus the apps layer's first apply, so wait that long.
NLB_TIMEOUT=${NLB_TIMEOUT:-3000}
GITHUB_OWNER=${GITHUB_OWNER:-}
GITHUB_REPOSITORY=${GITHUB_REPOSITORY:-}
if [[ $GITHUB_REPOSITORY == */* ]]; then # GitHub Actions style owner/name
  GITHUB_OWNER=${GITHUB_OWNER:-${GITHUB_REPOSITORY%%/*}}
  GITHUB_REPOSITORY=${GITHUB_REPOSITORY#*/}
fi

NOTIFICATIONS_WEBHOOK_URL=${NOTIFICATIONS_WEBHOOK_URL:-}
NOTIFICATIONS_PROVIDER=${NOTIFICATIONS_PROVIDER:-slack}
case $NOTIFICATIONS_PROVIDER in
slack | msteams | discord | rocket) ;;
*) die "NOTIFICATIONS_PROVIDER=$NOTIFICATIONS_PROVIDER: use slack, msteams, discord or rocket (types both Flux and Flagger send to)" ;;
esac
if [[ -n $NOTIFICATIONS_WEBHOOK_URL && $NOTIFICATIONS_WEBHOOK_URL != off && $NOTIFICATIONS_WEBHOOK_URL != https://* ]]; then
  die "NOTIFICATIONS_WEBHOOK_URL must be an https:// URL (or off)"
fi
SENTRY_DSN=${SENTRY_DSN:-}
if [[ -n $SENTRY_DSN && $SENTRY_DSN != off && ! $SENTRY_DSN =~ ^https://[^@/]+@[^/]+/[0-9]+$ ]]; then
  die "SENTRY_DSN must look like https://<key>@<host>/<project id> (the app's egress is HTTPS only), or off"
fi

PLAN_DIR=$(mktemp -d)
trap 'rm -rf "$PLAN_DIR"' EXIT
SCRIPTS_DIR="$(dirname "${BASH_SOURCE[0]}")/infrastructure/terraform/scripts"
RDS_CA_BUNDLE="$PLAN_DIR/global-bundle.pem"

################################################################################
# Preflight
################################################################################

# The tags committed in the app's kustomization.yaml are what the first deployment runs; an
# image that does not exist yet leaves the primary unready and Flagger stuck. So the release
# workflow must have published them first (semantic-release's first release is 1.0.0, after
# the first feat:/fix: commit on main), and anonymous pulls must work (the cluster has no
# registry credentials): ghcr.io's token endpoint gives a pull token for public packages.
check_published_images() {
  local owner kustomization tag image token status
  owner=$(tr '[:upper:]' '[:lower:]' <<<"$GITHUB_OWNER")
  kustomization="$(dirname "${BASH_SOURCE[0]}")/infrastructure/flux/apps/realworld/kustomization.yaml"
  for image in realworld realworld-loadtest; do
    # Each image's own newTag (each follows its own ImagePolicy).
    tag=$(awk -v image="$image" '$1 == "-" && $2 == "name:" { name = $3 }
      $1 == "newTag:" && name == image { print $2; exit }' "$kustomization")
    [[ $tag =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "no image tag for $image found in $kustomization"
    token=$(curl -fsS --max-time 15 "https://ghcr.io/token?scope=repository:$owner/$image:pull" |
      jq -r '.token // empty') || token=""
    status=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 15 -I \
      -H "Authorization: Bearer $token" \
      -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json' \
      "https://ghcr.io/v2/$owner/$image/manifests/$tag" || true)
    case $status in
    200) log "image ghcr.io/$owner/$image:$tag is published and publicly pullable" ;;
    404) die "ghcr.io/$owner/$image:$tag does not exist yet. Publish the first release: merge a" \
      "feat: or fix: commit to main and wait for the Release workflow (gh run watch), then run" \
      "this again. The committed tag is in $kustomization." ;;
    401 | 403) die "ghcr.io/$owner/$image is private (or missing): make the package public" \
      "(GitHub -> Packages -> $image -> Package settings -> Change visibility) so the cluster" \
      "can pull it, then run this again." ;;
    *) die "could not check ghcr.io/$owner/$image:$tag (HTTP ${status:-none}); is ghcr.io reachable?" ;;
    esac
  done
}

# The manifests use Flux's GA APIs (image.toolkit.fluxcd.io/v1 among them), which the
# controllers of Flux 2.7 and later serve; an older CLI bootstraps older controllers.
check_flux_version() {
  local version
  version=$(flux version --client -o json 2>/dev/null | jq -r '.flux // empty' | sed 's/^v//')
  [[ $version =~ ^([0-9]+)\.([0-9]+) ]] || die "could not read the flux CLI version (flux version --client)"
  if ((BASH_REMATCH[1] < 2 || (BASH_REMATCH[1] == 2 && BASH_REMATCH[2] < 7))); then
    die "flux CLI $version is too old: Flux >= 2.7 is needed (the image automation v1 APIs)"
  fi
}

preflight() {
  require_tools aws terraform jq
  if [[ $NOTIFICATIONS_ONLY == true ]]; then
    require_tools kubectl flux
  elif [[ $PLAN_ONLY == false && $SKIP_FLUX == false ]]; then
    require_tools kubectl flux
    check_flux_version
    [[ -n $GITHUB_OWNER && -n $GITHUB_REPOSITORY ]] ||
      die "set GITHUB_OWNER and GITHUB_REPOSITORY (the repository Flux bootstraps from), or use --skip-flux"
    [[ -n ${GITHUB_TOKEN:-} ]] || die "set GITHUB_TOKEN for 'flux bootstrap github', or use --skip-flux"
  elif [[ $PLAN_ONLY == false ]]; then
    require_tools kubectl
  fi
  preflight_aws
  resolve_state_bucket
  if [[ $PLAN_ONLY == false && $SKIP_FLUX == false && $NOTIFICATIONS_ONLY == false ]]; then
    # Before any Terraform: without this bundle the app can never reach RDS (verify-full).
    require_tools curl openssl
    local count
    count=$("$SCRIPTS_DIR/rds-ca-bundle.sh" fetch "$RDS_CA_BUNDLE") ||
      die "no usable Amazon RDS CA bundle (above); the app would never become ready. Fix that first."
    log "Amazon RDS CA bundle: $count certificates, all issued by Amazon RDS CAs"
    check_published_images
  fi

  local cidrs=${EKS_PUBLIC_ACCESS_CIDRS:-}
  if [[ $MY_IP == true ]]; then
    require_tools curl
    local ip
    ip=$(curl -fsS --max-time 10 https://checkip.amazonaws.com | tr -d '[:space:]') ||
      die "--my-ip: could not find this machine's public IP"
    cidrs="${cidrs:+$cidrs,}$ip/32"
  fi
  if [[ -n $cidrs ]]; then
    TF_VAR_endpoint_public_access_cidrs=$(csv_to_json "$cidrs")
    export TF_VAR_endpoint_public_access_cidrs
    log "public Kubernetes API endpoint limited to $TF_VAR_endpoint_public_access_cidrs"
  elif [[ -z ${TF_VAR_endpoint_public_access_cidrs:-} && $NOTIFICATIONS_ONLY == false ]]; then
    # A private-only endpoint is reachable from inside the VPC only. Found out after ~25 min
    # of Terraform, that is a dead end: refuse unless this machine is said to be inside.
    # (--notifications-only runs no Terraform: it changes nothing about the endpoint.)
    if [[ $IN_VPC == true || $PLAN_ONLY == true || $SKIP_FLUX == true ]]; then
      warn "the Kubernetes API endpoint will be private only: kubectl and flux must run from inside the VPC."
    else
      die "the Kubernetes API endpoint would be private only, and this run needs it after Terraform" \
        "(kubectl, flux bootstrap). Give an access path: --my-ip (this machine's public IP)," \
        "EKS_PUBLIC_ACCESS_CIDRS=<cidr,...>, or --in-vpc when running inside the VPC (SSM/bastion" \
        "host, self-hosted runner); or --skip-flux to stop after Terraform."
    fi
  fi
  if [[ -n ${EKS_ADMIN_PRINCIPAL_ARNS:-} ]]; then
    TF_VAR_cluster_admin_principal_arns=$(csv_to_json "$EKS_ADMIN_PRINCIPAL_ARNS")
    export TF_VAR_cluster_admin_principal_arns
  fi

  log "state bucket: $STATE_BUCKET"
  if [[ $PLAN_ONLY == true ]]; then
    log "plan mode: nothing will be changed"
  else
    cat <<EOF

This creates billable AWS resources in account $ACCOUNT_ID ($REGION): an EKS cluster,
NAT gateways (one per AZ), a Multi-AZ RDS instance and a network load balancer.
See "Costs that matter" in docs/deploying.md. Each stack's plan is shown before it is applied.

EOF
    confirm "Continue?" || die "aborted"
  fi
}

################################################################################
# Terraform
################################################################################

# plan_and_apply DIR LABEL: plan into a file, show it, apply it after a yes.
plan_and_apply() {
  local dir=$1 label=$2 plan_file="$PLAN_DIR/$2.tfplan" status=0
  log "terraform plan ($label)"
  terraform -chdir="$dir" plan -input=false -detailed-exitcode -out="$plan_file" || status=$?
  case $status in
  0)
    log "$label: no changes"
    return 0
    ;;
  2) ;;
  *) die "terraform plan failed for $label" ;;
  esac
  [[ $PLAN_ONLY == true ]] && return 0
  confirm "Apply these changes to $label?" || die "aborted before applying $label"
  log "terraform apply ($label)"
  terraform -chdir="$dir" apply -input=false "$plan_file" || die "terraform apply failed for $label"
}

apply_bootstrap() {
  if [[ ! -f $TF_ROOT/bootstrap/terraform.tfstate ]] && bucket_exists; then
    log "state bucket $STATE_BUCKET exists but bootstrap has no local state here: leaving it as it is"
    return 0
  fi
  log "terraform init (bootstrap, local state)"
  terraform -chdir="$TF_ROOT/bootstrap" init -input=false >/dev/null || die "terraform init failed for bootstrap"
  TF_VAR_state_bucket_name=$STATE_BUCKET plan_and_apply "$TF_ROOT/bootstrap" bootstrap
}

# Set to false when plan mode stops early because an upstream stack has not
# been applied yet (its outputs are needed to plan the next one).
TERRAFORM_COMPLETE=true

apply_stack() {
  local stack=$1 upstream
  shift
  [[ $TERRAFORM_COMPLETE == true ]] || return 0
  for upstream in "$@"; do
    if ! stack_has_state "$upstream"; then
      [[ $PLAN_ONLY == true ]] || die "$stack needs $upstream, which has no state in $STATE_BUCKET"
      log "$stack and later stacks: not planned, $upstream has not been applied yet"
      TERRAFORM_COMPLETE=false
      return 0
    fi
  done
  tf_init "$stack"
  plan_and_apply "$TF_ROOT/$stack" "$stack"
}

# Karpenter's NodePool asks for spot first; EC2 launches spot instances only once the account
# has the Spot service-linked role, which a fresh account lacks (Karpenter then falls back to
# on-demand without saying why). Created here if missing.
ensure_spot_role() {
  [[ $PLAN_ONLY == true ]] && return 0
  if aws iam get-role --role-name AWSServiceRoleForEC2Spot >/dev/null 2>&1 ||
    [[ -n $(aws iam list-roles --path-prefix /aws-service-role/spot.amazonaws.com/ \
      --query 'Roles[].RoleName' --output text 2>/dev/null | sed '/^None$/d') ]]; then
    return 0
  fi
  log "creating the EC2 Spot service-linked role (AWSServiceRoleForEC2Spot), which this account lacks"
  aws iam create-service-linked-role --aws-service-name spot.amazonaws.com >/dev/null ||
    warn "could not create the Spot service-linked role: Karpenter will run on-demand capacity only"
}

# The CloudWatch add-on (cluster/logs.tf) goes in on the cluster's second apply, once there is
# capacity for its operator: the only nodes of a new cluster are the tainted system group, and
# an add-on whose pods stay Pending never becomes ACTIVE (aws_eks_addon waits 20 minutes, then
# fails). Kept whenever the cluster stack already has it.
cloudwatch_addon_installed() {
  # Either address: before the add-on became optional it had no index (logs.tf `moved`).
  stack_has_state cluster && tf_init cluster &&
    stack_has_resource cluster 'aws_eks_addon\.cloudwatch_observability(\[0\])?'
}

apply_terraform() {
  apply_bootstrap
  if ! bucket_exists; then
    [[ $PLAN_ONLY == true ]] || die "state bucket $STATE_BUCKET does not exist after the bootstrap stack"
    log "the state bucket does not exist yet: the other stacks can be planned once bootstrap is applied"
    TERRAFORM_COMPLETE=false
    return 0
  fi
  ensure_spot_role
  apply_stack network
  sweep_cluster_log_groups
  if [[ $TERRAFORM_COMPLETE == true ]] && cloudwatch_addon_installed; then
    export TF_VAR_cloudwatch_observability=true
  else
    export TF_VAR_cloudwatch_observability=false
  fi
  apply_stack cluster network
  apply_stack database network cluster
}

# The second pass over the cluster stack, once Flux has Karpenter's NodePool.
install_cloudwatch_addon() {
  [[ ${TF_VAR_cloudwatch_observability:-} == true ]] && return 0
  log "cluster again: the CloudWatch add-on (container logs), now that Karpenter provides capacity"
  export TF_VAR_cloudwatch_observability=true
  apply_stack cluster network
}

################################################################################
# Cluster hand-over to Flux
################################################################################

write_cluster_vars() {
  local owner vars notifications error_tracking
  local -a literals
  owner=$(tr '[:upper:]' '[:lower:]' <<<"$GITHUB_OWNER")
  vars=$(jq -s --arg owner "$owner" --arg host "$INGRESS_HOST" --arg issuer "$INGRESS_CLUSTER_ISSUER" \
    --arg branch "$FLUX_BRANCH" \
    '.[0] + .[1] + {GITHUB_OWNER: $owner, INGRESS_HOST: $host, INGRESS_CLUSTER_ISSUER: $issuer, FLUX_BRANCH: $branch}' \
    <(tf_output_json cluster cluster_vars) <(tf_output_json database cluster_vars))
  local output
  for output in NOTIFICATIONS_SECRET_NAME SENTRY_SECRET_NAME; do
    [[ $(jq -r --arg key "$output" '.[$key] // ""' <<<"$vars") != "" ]] ||
      die "the database stack has no $output output: run ./terraform-apply.sh (without --notifications-only) once"
  done
  notifications=$(switched_secret_state "$(jq -r .NOTIFICATIONS_SECRET_NAME <<<"$vars")" \
    "$NOTIFICATIONS_WEBHOOK_URL" address "Chat webhook for the release and GitOps alerts of $NAME")
  error_tracking=$(switched_secret_state "$(jq -r .SENTRY_SECRET_NAME <<<"$vars")" \
    "$SENTRY_DSN" dsn "Sentry DSN of the $NAME app")
  vars=$(jq --arg state "$notifications" --arg provider "$NOTIFICATIONS_PROVIDER" --arg errors "$error_tracking" \
    '. + {NOTIFICATIONS: $state, NOTIFICATIONS_PROVIDER: $provider, ERROR_TRACKING: $errors}' <<<"$vars")
  mapfile -t literals < <(jq -r 'to_entries[] | "--from-literal=\(.key)=\(.value)"' <<<"$vars")

  log "ConfigMap flux-system/cluster-vars: $(jq -r 'keys | join(", ")' <<<"$vars")"
  kubectl create namespace flux-system --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl -n flux-system create configmap cluster-vars "${literals[@]}" --dry-run=client -o yaml |
    kubectl apply -f -
}

# The realworld pods mount it at /etc/rds-ca (infrastructure/flux/apps/realworld/deployment.yaml).
# The namespace is created here if Flux has not yet; Flux adopts it and never prunes this
# ConfigMap (it did not create it). Re-running the script refreshes the bundle.
install_rds_ca_bundle() {
  log "ConfigMap realworld/rds-ca-bundle (Amazon RDS CA bundle)"
  kubectl create namespace realworld --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl -n realworld create configmap rds-ca-bundle --from-file=global-bundle.pem="$RDS_CA_BUNDLE" \
    --dry-run=client -o yaml | kubectl apply --server-side --field-manager=terraform-apply -f - >/dev/null ||
    die "could not write ConfigMap realworld/rds-ca-bundle"
}

# Credentials for an optional feature (the notifications webhook, the Sentry DSN) never touch
# git or the ConfigMap: Secrets Manager holds them as {"<property>": "<value>"} and External
# Secrets copies them into the cluster (the Terraform database stack lets it read exactly these
# secrets). `off` deletes the secret, a value stores it, nothing keeps what an earlier run
# stored. Prints the feature's cluster var: `enabled` or `disabled`.
switched_secret_state() {
  local secret_name=$1 value=$2 property=$3 description=$4
  if [[ $value == off ]]; then
    if aws secretsmanager describe-secret --secret-id "$secret_name" >/dev/null 2>&1; then
      aws secretsmanager delete-secret --secret-id "$secret_name" --recovery-window-in-days 7 >/dev/null
      log "deleted secret $secret_name (recoverable for 7 days)" >&2
    fi
    echo disabled
  elif [[ -n $value ]]; then
    # The value goes through a file only this user can read, never a command line (ps).
    local file="$PLAN_DIR/secret.json"
    (umask 077 && SECRET_VALUE=$value jq -jn --arg property "$property" '{($property): env.SECRET_VALUE}' >"$file")
    if aws secretsmanager describe-secret --secret-id "$secret_name" >/dev/null 2>&1; then
      aws secretsmanager restore-secret --secret-id "$secret_name" >/dev/null 2>&1 || true
      aws secretsmanager put-secret-value --secret-id "$secret_name" --secret-string "file://$file" >/dev/null
    else
      # Tagged, so that terraform-destroy.sh finds what this script created outside Terraform.
      aws secretsmanager create-secret --name "$secret_name" --secret-string "file://$file" \
        --description "$description" \
        --tags "Key=realworld:project,Value=$NAME" "Key=realworld:created-by,Value=terraform-apply.sh" >/dev/null
    fi
    rm -f "$file"
    log "stored $property in Secrets Manager as $secret_name" >&2
    echo enabled
  elif aws secretsmanager describe-secret --secret-id "$secret_name" \
    --query 'DeletedDate' --output text 2>/dev/null | grep -qx None; then
    echo enabled # stored by an earlier run and not deleted
  else
    echo disabled
  fi
}

bootstrap_flux() {
  local -a args=(
    --owner "$GITHUB_OWNER"
    --repository "$GITHUB_REPOSITORY"
    --branch "$FLUX_BRANCH"
    --path "$FLUX_PATH"
    # Image automation (ImageRepository/ImagePolicy/ImageUpdateAutomation) needs these two
    # controllers, and a deploy key that may push the tag bumps back to the repository.
    "--components-extra=image-reflector-controller,image-automation-controller"
    --read-write-key
    # The system node group is tainted CriticalAddonsOnly (Terraform) and is the only capacity
    # until Flux has installed Karpenter and its NodePool: Flux must be allowed there.
    "--toleration-keys=CriticalAddonsOnly"
  )
  if [[ ${GITHUB_PERSONAL:-true} == true ]]; then
    args+=(--personal)
  fi
  log "flux bootstrap github ${args[*]}"
  flux bootstrap github "${args[@]}"
}

resolve_ipv4() {
  local host=$1 ip=""
  if command -v dig >/dev/null 2>&1; then
    ip=$(dig +short A "$host" | grep -E '^[0-9.]+$' | head -n 1 || true)
  fi
  if [[ -z $ip ]] && command -v getent >/dev/null 2>&1; then
    ip=$(getent ahostsv4 "$host" | awk 'NR == 1 { print $1 }' || true)
  fi
  if [[ -z $ip ]] && command -v host >/dev/null 2>&1; then
    ip=$(host -t A "$host" | awk '/has address/ { print $4; exit }' || true)
  fi
  printf '%s' "$ip"
}

print_hosts_line() {
  local deadline=$((SECONDS + NLB_TIMEOUT)) hostname="" ip=""
  log "waiting for the edge's load balancer (Service envoy-gateway-system/envoy-edge, up to ${NLB_TIMEOUT}s)"
  while [[ -z $hostname ]]; do
    hostname=$(kubectl -n envoy-gateway-system get service envoy-edge \
      -o jsonpath='{.status.loadBalancer.ingress[0].hostname}' 2>/dev/null || true)
    [[ -n $hostname ]] && break
    ((SECONDS < deadline)) || die "no load balancer after ${NLB_TIMEOUT}s; check: flux get kustomizations -A"
    sleep 15
  done
  log "load balancer: $hostname; waiting for its DNS name to resolve"
  while [[ -z $ip ]]; do
    ip=$(resolve_ipv4 "$hostname")
    [[ -n $ip ]] && break
    ((SECONDS < deadline)) || die "$hostname does not resolve yet; try again in a few minutes"
    sleep 15
  done
  cat <<EOF

The application is served at https://$INGRESS_HOST/ through $hostname (http:// redirects).
With the in-cluster CA (INGRESS_CLUSTER_ISSUER=takehome-ca), trust it for curl:
  kubectl -n cert-manager get secret takehome-ca -o jsonpath='{.data.ca\.crt}' | base64 -d > takehome-ca.crt
  curl --cacert takehome-ca.crt https://$INGRESS_HOST/api/articles
Add this line to /etc/hosts (the NLB has one address per AZ; any of them works,
and AWS may change them, so prefer 'curl --resolve' or real DNS for anything lasting):

$ip $INGRESS_HOST

EOF
}

################################################################################
# Main
################################################################################

preflight
if [[ $NOTIFICATIONS_ONLY == true ]]; then
  [[ -n $NOTIFICATIONS_WEBHOOK_URL || -n $SENTRY_DSN ]] ||
    die "--notifications-only needs NOTIFICATIONS_WEBHOOK_URL and/or SENTRY_DSN (a value, or off)"
  tf_init cluster
  tf_init database
  use_cluster || die "the Kubernetes API of $NAME is not reachable from here (see --my-ip)"
  write_cluster_vars
  # Apply the switches now rather than at the next interval (10 min): `apps` reads the new
  # cluster-vars into the two switched Kustomizations it applies.
  flux reconcile kustomization apps --with-source
  [[ -z $NOTIFICATIONS_WEBHOOK_URL ]] || flux reconcile kustomization notifications
  [[ -z $SENTRY_DSN ]] || flux reconcile kustomization error-tracking
  log "notifications: $(kubectl -n flux-system get configmap cluster-vars -o jsonpath='{.data.NOTIFICATIONS}')," \
    "error tracking: $(kubectl -n flux-system get configmap cluster-vars -o jsonpath='{.data.ERROR_TRACKING}')"
  exit 0
fi
apply_terraform

if [[ $PLAN_ONLY == true ]]; then
  log "plan finished; run without --plan to apply"
  exit 0
fi
[[ $TERRAFORM_COMPLETE == true ]] || die "Terraform did not complete"

if ! use_cluster; then
  die "the Kubernetes API of $NAME is not reachable from here (private endpoint?). Run again from inside" \
    "the VPC, or with --my-ip / EKS_PUBLIC_ACCESS_CIDRS to open the public endpoint to this machine."
fi
if [[ $SKIP_FLUX == true ]]; then
  log "--skip-flux: done (kubectl context $NAME)"
  [[ $TF_VAR_cloudwatch_observability == true ]] ||
    warn "the CloudWatch add-on (container logs) is not installed yet: it needs the capacity Flux" \
      "brings (Karpenter); run this script again without --skip-flux"
  exit 0
fi
# `kubectl get canary` and `kubectl scale deployment realworld-loadtest`, as docs/releasing.md
# and docs/operating.md type them, then work without -n in this context.
kubectl config set-context "$NAME" --namespace realworld >/dev/null
install_rds_ca_bundle
write_cluster_vars
bootstrap_flux
print_hosts_line
install_cloudwatch_addon
