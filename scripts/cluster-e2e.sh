#!/usr/bin/env bash
# Releases on a real cluster: kind, Flux installed from this repository (clusters/kind), the app,
# then a release Flagger must promote and one it must roll back. .github/workflows/cluster-e2e.yml
# runs it; it runs the same on any machine with docker, kind, kubectl, flux (>= 2.7) and openssl.
#
#   scripts/cluster-e2e.sh up                 build the images, create the cluster, install Flux,
#                                             wait for every layer and the first release
#   scripts/cluster-e2e.sh smoke              the public path: the edge (Envoy Gateway), TLS, API, web app
#   scripts/cluster-e2e.sh release TAG PHASE  release image TAG; the canary must end in PHASE
#                                             (Succeeded: promoted; Failed: rolled back)
#   scripts/cluster-e2e.sh diagnose           what to read when a step failed
#   scripts/cluster-e2e.sh down               delete the cluster
#
# Images (never pushed; loaded into the kind node): ghcr.io/e2e/realworld:e2e-1 (the first
# release), :e2e-2 (the same code with another VERSION: a release that must be promoted) and
# :e2e-faulty (infrastructure/flux/kind/faulty-image: 500 on every article list, which must be
# rolled back by the success-rate gate).
#
# Environment: CLUSTER (kind cluster name, realworld-e2e), KIND_NODE_IMAGE (kind's default when
# empty), GIT_URL (this repository's https URL; origin's by default), GIT_COMMIT (HEAD), GIT_BRANCH
# (optional: the branch holding GIT_COMMIT, for a shallow clone), GIT_TOKEN (optional: read token
# for a private repository; Flux in the cluster clones GIT_URL at GIT_COMMIT, so the commit must
# be pushed).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

CLUSTER=${CLUSTER:-realworld-e2e}
KIND_NODE_IMAGE=${KIND_NODE_IMAGE:-}
IMAGE=ghcr.io/e2e/realworld # GITHUB_OWNER in infrastructure/flux/clusters/kind/cluster-vars.yaml
NS=realworld
POLL=${POLL:-30}

say() { printf '\n==> %s\n' "$*"; }
die() {
  echo "cluster-e2e: FAILED: $*" >&2
  exit 1
}

canary_phase() { kubectl -n "$NS" get canary realworld -o jsonpath='{.status.phase}' 2>/dev/null || true; }
primary_image() {
  kubectl -n "$NS" get deployment realworld-primary \
    -o jsonpath='{.spec.template.spec.containers[?(@.name=="app")].image}'
}

# wait_for_phase TIMEOUT PHASE... : print `kubectl get canary` every POLL seconds until the
# canary's phase is one of PHASE..., and echo it; fail after TIMEOUT seconds.
wait_for_phase() {
  local timeout=$1 deadline phase
  shift
  deadline=$(($(date +%s) + timeout))
  while :; do
    kubectl -n "$NS" get canary realworld 2>/dev/null | sed 's/^/    /' >&2 || true
    phase=$(canary_phase)
    for wanted in "$@"; do
      if [[ $phase == "$wanted" ]]; then
        echo "$phase"
        return 0
      fi
    done
    (($(date +%s) < deadline)) || die "canary still '${phase:-none}' after ${timeout}s, expected $*"
    sleep "$POLL"
  done
}

build_images() {
  say "images $IMAGE:e2e-1, :e2e-2, :e2e-faulty"
  docker build --quiet --build-arg VERSION=e2e-1 --build-arg REVISION="$(git rev-parse HEAD)" \
    --tag "$IMAGE:e2e-1" .
  docker build --quiet --build-arg VERSION=e2e-2 --build-arg REVISION="$(git rev-parse HEAD)" \
    --tag "$IMAGE:e2e-2" .
  docker build --quiet --build-arg BASE="$IMAGE:e2e-1" --tag "$IMAGE:e2e-faulty" \
    infrastructure/flux/kind/faulty-image
}

create_cluster() {
  say "kind cluster $CLUSTER"
  local image_args=()
  [[ -n $KIND_NODE_IMAGE ]] && image_args=(--image "$KIND_NODE_IMAGE")
  # One node, labelled with a zone: the app's pods spread over zones (DoNotSchedule), and a
  # node without the label would be no candidate at all.
  kind create cluster --name "$CLUSTER" "${image_args[@]}" --wait 5m --config - <<'EOF'
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
  - role: control-plane
    labels:
      topology.kubernetes.io/zone: kind-a
EOF
  kubectl config use-context "kind-$CLUSTER" >/dev/null
  for tag in e2e-1 e2e-2 e2e-faulty; do
    kind load docker-image --name "$CLUSTER" "$IMAGE:$tag"
  done
}

install_flux() {
  local url=${GIT_URL:-} commit=${GIT_COMMIT:-$(git rev-parse HEAD)}
  if [[ -z $url ]]; then
    url=$(git remote get-url origin)
    url=${url/#git@github.com:/https://github.com/}
  fi
  say "Flux $(flux version --client 2>/dev/null | head -n 1), source $url at $commit"
  flux install
  local source_args=(--url="$url" --commit="$commit" --interval=1h)
  [[ -n ${GIT_BRANCH:-} ]] && source_args+=(--branch="$GIT_BRANCH")
  if [[ -n ${GIT_TOKEN:-} ]]; then
    flux create secret git flux-system --url="$url" --username=git --password="$GIT_TOKEN" >/dev/null
    source_args+=(--secret-ref=flux-system)
  fi
  flux create source git flux-system "${source_args[@]}"

  # What terraform-apply.sh and External Secrets provide on EKS: the database superuser, which
  # the in-cluster PostgreSQL starts with and the app's init container creates its role with.
  kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl -n "$NS" create secret generic realworld-database-admin \
    --from-literal=username=postgres --from-literal=password="$(openssl rand -hex 24)" \
    --dry-run=client -o yaml | kubectl apply -f - >/dev/null

  kubectl apply -f infrastructure/flux/clusters/kind/
  for layer in infra-controllers infra-configs infra-mesh apps; do
    say "waiting for the Flux Kustomization $layer"
    if ! kubectl -n flux-system wait "kustomization/$layer" --for=condition=Ready --timeout=25m; then
      flux get all -A || true
      die "Kustomization $layer is not Ready"
    fi
  done
  say "waiting for the first release (Flagger copies realworld to realworld-primary)"
  wait_for_phase 900 Initialized Succeeded >/dev/null
  [[ $(primary_image) == "$IMAGE:e2e-1" ]] || die "realworld-primary runs $(primary_image), not $IMAGE:e2e-1"
  echo "realworld-primary serves $IMAGE:e2e-1"
}

smoke() {
  say "the public path: the edge, Envoy (TLS from takehome-ca) -> realworld"
  local ca port=8443 pid status headers
  ca=$(mktemp)
  kubectl -n cert-manager get secret takehome-ca -o jsonpath='{.data.ca\.crt}' | base64 -d > "$ca"
  kubectl -n envoy-gateway-system port-forward svc/envoy-edge "$port:443" >/dev/null 2>&1 &
  pid=$!
  trap 'kill "$pid" 2>/dev/null || true; rm -f "$ca"' RETURN
  local base=https://realworld.takehome.local:$port
  for _ in $(seq 30); do
    curl -fsS -o /dev/null --cacert "$ca" --resolve "realworld.takehome.local:$port:127.0.0.1" "$base/healthz" 2>/dev/null && break
    sleep 2
  done
  status=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$ca" \
    --resolve "realworld.takehome.local:$port:127.0.0.1" "$base/api/tags")
  [[ $status == 200 ]] || die "GET /api/tags through the edge answered $status"
  curl -fsS --cacert "$ca" --resolve "realworld.takehome.local:$port:127.0.0.1" "$base/" \
    | grep -q 'class="navbar-brand"' || die "the home page through the edge is not the web app"
  # The client's request id comes back (Envoy keeps it, the app logs and echoes it).
  headers=$(curl -fsS -o /dev/null -D - -H 'X-Request-ID: e2e-smoke-1' --cacert "$ca" \
    --resolve "realworld.takehome.local:$port:127.0.0.1" "$base/api/tags")
  grep -qi '^x-request-id: e2e-smoke-1' <<<"$headers" || die "X-Request-ID not echoed: $headers"
  # A body over the app's 1 MiB is refused by the edge itself (whole bodies are buffered).
  status=$(head -c 1048577 /dev/zero | tr '\0' a | curl -sS -o /dev/null -w '%{http_code}' \
    --cacert "$ca" --resolve "realworld.takehome.local:$port:127.0.0.1" \
    -H 'Content-Type: application/json' --data-binary @- "$base/api/users/login")
  [[ $status == 413 ]] || die "a 1 MiB + 1 byte body through the edge answered $status, not 413"
  echo "GET /api/tags 200, the home page, X-Request-ID echoed and 413 above 1 MiB over TLS,"
  echo "certificate verified against takehome-ca"
}

release() {
  local tag=$1 expected=$2 before phase after
  [[ $expected == Succeeded || $expected == Failed ]] || die "PHASE must be Succeeded or Failed"
  before=$(primary_image)
  say "release $IMAGE:$tag (realworld-primary runs $before); expecting $expected"
  # What image automation does on EKS (a commit with the new tag), through the cluster var.
  kubectl -n flux-system patch configmap cluster-vars --type merge \
    -p "{\"data\":{\"E2E_IMAGE_TAG\":\"$tag\"}}" >/dev/null
  # Flux's own wait may time out while Flagger holds the new pods back; the canary decides.
  flux reconcile kustomization apps --timeout=10m || echo "(flux reconcile did not report Ready; following the canary)"
  wait_for_phase 300 Progressing >/dev/null
  phase=$(wait_for_phase 1800 Succeeded Failed)
  after=$(primary_image)
  kubectl -n "$NS" get events --field-selector involvedObject.kind=Canary \
    --sort-by=.lastTimestamp -o custom-columns=REASON:.reason,MESSAGE:.message | tail -n 25
  [[ $phase == "$expected" ]] || die "the release of $tag ended $phase, expected $expected"
  if [[ $expected == Succeeded ]]; then
    [[ $after == "$IMAGE:$tag" ]] || die "promoted, but realworld-primary runs $after"
    echo "promoted: realworld-primary serves $after"
  else
    [[ $after == "$before" ]] || die "rolled back, but realworld-primary changed to $after"
    [[ $(kubectl -n "$NS" get deployment realworld -o jsonpath='{.spec.replicas}') == 0 ]] \
      || die "rolled back, but the canary was not scaled to zero"
    echo "rolled back: realworld-primary still serves $after, the canary is scaled to zero"
  fi
}

diagnose() {
  set +e
  flux get all -A
  kubectl get nodes -o wide
  kubectl get pods -A -o wide
  kubectl -n "$NS" describe canary realworld
  kubectl -n "$NS" get httproute realworld -o yaml
  kubectl get events -A --sort-by=.lastTimestamp | tail -n 80
  kubectl -n flagger-system logs deploy/flagger --tail=200
  kubectl -n flagger-system logs deploy/flagger-loadtester --tail=100
  for deployment in realworld realworld-primary postgres; do
    kubectl -n "$NS" logs "deploy/$deployment" --all-containers --tail=100
  done
  return 0
}

case ${1:-} in
  up)
    build_images
    create_cluster
    install_flux
    ;;
  smoke) smoke ;;
  release)
    [[ $# -eq 3 ]] || die "usage: $0 release TAG Succeeded|Failed"
    release "$2" "$3"
    ;;
  diagnose) diagnose ;;
  down) kind delete cluster --name "$CLUSTER" ;;
  *)
    sed -n '2,24p' "$0" >&2
    exit 2
    ;;
esac
