#!/usr/bin/env bash
# Offline checks of the delivery files (`make delivery-check`): the Dockerfile, compose.yaml,
# the GitHub workflows, the Renovate and semantic-release configuration and the commit
# messages. Each check prints PASS or FAIL; any failure, or a missing tool, exits non-zero.
#
#   COMMITLINT_LAST=N      number of most recent commits to lint (default 20)
#   COMMITLINT_FROM=<ref>  lint <ref>..HEAD instead
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
ROOT="$(pwd)"
TOOLS="${ROOT}/.venv-tools/bin"
export PATH="${TOOLS}:${PATH}"

failures=0
passes=0
LOG="$(mktemp)"
trap 'rm -f "${LOG}"' EXIT

die() {
  echo "FAIL delivery-check: $*" >&2
  exit 2
}

# check NAME COMMAND... : runs COMMAND, prints PASS/FAIL, shows the output on failure.
check() {
  local name="$1"
  shift
  if "$@" >"${LOG}" 2>&1; then
    echo "PASS ${name}"
    passes=$((passes + 1))
  else
    echo "FAIL ${name}"
    sed 's/^/    /' "${LOG}"
    failures=$((failures + 1))
  fi
}

require() {
  local tool
  for tool in "$@"; do
    command -v "${tool}" >/dev/null 2>&1 || die "'${tool}' is missing (make tools installs .venv-tools; node/npm come from the machine)"
  done
}

require hadolint checkov check-jsonschema zizmor actionlint shellcheck yamllint git node npm python3

WORKFLOWS=(.github/workflows/*.yml)
[ -e "${WORKFLOWS[0]}" ] || die "no workflows under .github/workflows"
for f in Dockerfile .dockerignore compose.yaml .github/renovate.json .releaserc.json \
  commitlint.config.mjs package.json package-lock.json scripts/schemas/compose-spec.json; do
  [ -f "${f}" ] || die "${f} is missing"
done

# --- Dockerfile ------------------------------------------------------------------------------
check "hadolint Dockerfile" hadolint --failure-threshold info Dockerfile
# The deliberately broken release of the kind e2e workflow (built FROM the product image).
check "hadolint faulty-image/Dockerfile" \
  hadolint --failure-threshold info infrastructure/flux/kind/faulty-image/Dockerfile
check "checkov --framework dockerfile" \
  checkov --file Dockerfile --framework dockerfile --quiet --compact --skip-download

dockerfile_contract() {
  local ok=0 pattern
  for pattern in \
    '^ARG BASE_IMAGE=python:3\.11-slim-bookworm@sha256:[0-9a-f]{64}$' \
    '^FROM \$\{BASE_IMAGE\} AS base$' \
    'pip install --require-hashes --only-binary=:all:' \
    '^FROM base AS loadtest$' \
    '^USER 10001:10001$' \
    '^WORKDIR /app$' \
    'PYTHONDONTWRITEBYTECODE=1' \
    'PYTHONUNBUFFERED=1' \
    'compileall' \
    '^EXPOSE 8000$' \
    '^HEALTHCHECK .*' \
    '/healthz' \
    'org\.opencontainers\.image\.source="\$\{SOURCE\}"' \
    'org\.opencontainers\.image\.version="\$\{VERSION\}"' \
    'org\.opencontainers\.image\.revision="\$\{REVISION\}"' \
    '^CMD \["locust", "-f", "loadtest/locustfile\.py", "--headless"\]$' \
    '^CMD \["gunicorn", "--config", "gunicorn\.conf\.py", "realworld\.wsgi:application"\]$'; do
    if ! grep -Eq -- "${pattern}" Dockerfile; then
      echo "Dockerfile lacks: ${pattern}"
      ok=1
    fi
  done
  # The default target is the last stage: it must be `runtime`.
  if [ "$(grep -E '^FROM ' Dockerfile | tail -n 1 | awk '{print $NF}')" != "runtime" ]; then
    echo "the last stage (default target) is not 'runtime'"
    ok=1
  fi
  if grep -Eiq 'manage\.py migrate' <(grep -E '^(CMD|ENTRYPOINT|RUN)' Dockerfile); then
    echo "migrations must not run at build or start"
    ok=1
  fi
  return "${ok}"
}
check "Dockerfile carries the contract (stages, UID 10001, labels, healthcheck, CMD)" \
  dockerfile_contract

# --- compose.yaml ----------------------------------------------------------------------------
check "compose.yaml against the vendored compose-spec schema" \
  check-jsonschema --schemafile scripts/schemas/compose-spec.json compose.yaml
check "compose.yaml against check-jsonschema's compose-spec schema" \
  check-jsonschema --builtin-schema vendor.compose-spec compose.yaml

# --- workflows -------------------------------------------------------------------------------
YAMLLINT_CONFIG='{extends: default, rules: {line-length: {max: 130, allow-non-breakable-inline-mappings: true}, document-start: disable, truthy: {check-keys: false}, comments: {min-spaces-from-content: 1}}}'
check "yamllint (workflows, compose)" \
  yamllint --strict -d "${YAMLLINT_CONFIG}" "${WORKFLOWS[@]}" compose.yaml
check "workflows against the GitHub workflow schema" \
  check-jsonschema --builtin-schema vendor.github-workflows "${WORKFLOWS[@]}"
check "every workflow job has timeout-minutes" \
  check-jsonschema --builtin-schema custom.github-workflows-require-timeout "${WORKFLOWS[@]}"
check "actionlint (with shellcheck on run: scripts)" \
  actionlint -shellcheck "${TOOLS}/shellcheck" "${WORKFLOWS[@]}"
check "zizmor --offline (no medium or higher findings)" \
  zizmor --offline --persona auditor --min-severity medium --no-progress .github/workflows

workflow_contract() {
  python3 - "${WORKFLOWS[@]}" <<'PY'
import re
import sys

import yaml

problems = []
uses_re = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$")
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    for number, line in enumerate(text.splitlines(), 1):
        match = uses_re.match(line)
        if not match or match.group(1).startswith("./"):
            continue
        ref = match.group(1).partition("@")[2]
        if not re.fullmatch(r"[0-9a-f]{40}", ref):
            problems.append(f"{path}:{number}: not pinned to a full commit SHA: {line.strip()}")
        elif not re.search(r"#\s*v\d+\.\d+\.\d+\s*$", match.group(2)):
            problems.append(f"{path}:{number}: no '# vX.Y.Z' comment: {line.strip()}")
    doc = yaml.safe_load(text)
    if doc.get("permissions") not in ({}, {"contents": "read"}):
        problems.append(f"{path}: top-level permissions must be {{}} or contents: read")
    for name, job in doc.get("jobs", {}).items():
        if "permissions" not in job:
            problems.append(f"{path}: job {name} has no permissions block")
        if "uses" not in job and "timeout-minutes" not in job:
            problems.append(f"{path}: job {name} has no timeout-minutes")
        for step in job.get("steps", []):
            if "${{" in step.get("run", ""):
                problems.append(f"{path}: job {name}: expression inside run: (use env:)")

def need(path, *needles):
    text = open(path, encoding="utf-8").read()
    for needle in needles:
        if needle not in text:
            problems.append(f"{path}: missing {needle!r}")

need(".github/workflows/ci.yml", "ruff check", "ruff format --check", "mypy",
     "makemigrations --check --dry-run", "make test", "postgres:", "check-migrations.py",
     "docker/setup-buildx-action", "type=gha", "anchore/scan-action", "severity-cutoff: high",
     "anchore/sbom-action", "ghcr.io/${{ github.repository_owner }}/realworld",
     "github.ref == 'refs/heads/main'")
need(".github/workflows/release.yml", "semantic-release", "commitlint",
     "realworld-loadtest", "type=semver,pattern={{version}}", "sha-", "target: ${{ matrix.target }}")
need(".github/workflows/infrastructure.yml", "terraform fmt -check", "init -backend=false",
     "terraform validate", "terraform test", "tflint", "trivy-action", "checkov-action",
     "kubectl kustomize", "kubeconform", "CRDs-catalog", "find infrastructure/terraform")
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
}
check "workflows: SHA pins with version comments, permissions, required steps" \
  workflow_contract

# The branch protection docs/ci-cd.md describes requires status checks by name: each must be a
# job that runs on every pull request (a workflow with `paths:` on pull_request may never
# report it, which blocks the pull request forever), waits for every other job of its
# workflow, and reports even when one of them failed (if: always()). And no release is tagged
# before CI scanned both images.
required_checks() {
  python3 - <<'PY'
import re
import sys
from pathlib import Path

import yaml

problems = []
readme = Path("docs/ci-cd.md").read_text(encoding="utf-8")
found = re.search(r"require a pull request and the status checks (.+?)(?:,|\n\s*\n)", readme, re.S)
names = re.findall(r"`([^`]+)`", found.group(1)) if found else []
if not names:
    problems.append(
        "docs/ci-cd.md: no 'require a pull request and the status checks `...`' sentence"
    )
jobs = {}
for path in sorted(Path(".github/workflows").glob("*.yml")):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    triggers = doc.get(True) or doc.get("on") or {}
    pull_request = triggers.get("pull_request", "absent") if isinstance(triggers, dict) else "absent"
    for job_id, job in doc.get("jobs", {}).items():
        jobs.setdefault(job.get("name", job_id), []).append((path, doc, job_id, job, pull_request))
def push_only(job):
    condition = str(job.get("if", ""))
    return "github.event_name == 'push'" in condition or "refs/heads/main" in condition

for name in names:
    on_pull_requests = [j for j in jobs.get(name, []) if j[4] != "absent" and not push_only(j[3])]
    # A job of the same name that is skipped on pull requests reports success (GitHub counts
    # a skipped required check as passed): the name must belong to one job only.
    if len(jobs.get(name, [])) > 1:
        places = [f"{p.name}:{j}" for p, _, j, _, _ in jobs[name]]
        problems.append(f"required check {name!r} is the name of several jobs: {places}")
    if not on_pull_requests:
        problems.append(f"required check {name!r}: no job runs on pull requests under that name")
        continue
    for path, doc, job_id, job, pull_request in on_pull_requests:
        if isinstance(pull_request, dict) and "paths" in pull_request:
            problems.append(f"{path}: {name!r} runs only for some paths; a required check must always report")
        others = set(doc["jobs"]) - {job_id} - {j for j, d in doc["jobs"].items() if push_only(d)}
        needs = set(job.get("needs") or [])
        if needs != others:
            problems.append(f"{path}: {name!r} must need every other job ({sorted(others - needs)} missing)")
        if "always()" not in str(job.get("if", "")):
            problems.append(f"{path}: {name!r} must run with if: always() so it reports a failure")
ci = yaml.safe_load(Path(".github/workflows/ci.yml").read_text(encoding="utf-8"))
scanned = [s["with"]["image"] for s in ci["jobs"]["image"]["steps"] if "anchore/scan-action" in s.get("uses", "")]
if sorted(scanned) != ["${{ env.LOADTEST_SCAN_TAG }}", "${{ env.SCAN_TAG }}"]:
    problems.append(f"ci.yml: job image must scan both images, scans {scanned}")
release = yaml.safe_load(Path(".github/workflows/release.yml").read_text(encoding="utf-8"))
if "ci" not in (release["jobs"]["release"].get("needs") or []):
    problems.append("release.yml: the tag must only be cut after CI (and its scans) passed")
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
}
check "branch protection's required checks exist on every pull request; both images scanned before a tag" \
  required_checks

# --- renovate, semantic-release, npm ---------------------------------------------------------
check "renovate.json against the Renovate schema" \
  check-jsonschema --builtin-schema vendor.renovate .github/renovate.json
check "JSON syntax (.releaserc.json, package.json, package-lock.json)" \
  python3 -c 'import json, sys; [json.load(open(f)) for f in sys.argv[1:]]' \
  .releaserc.json package.json package-lock.json

# --- shell scripts ---------------------------------------------------------------------------
check "shellcheck (delivery scripts)" shellcheck -x scripts/delivery-check.sh scripts/image-test.sh scripts/cluster-e2e.sh

# --- commit messages -------------------------------------------------------------------------
# Pinned commitlint from package-lock.json, installed once per lock file change.
install_node_tools() {
  local stamp="node_modules/.delivery-check-lock.sha256" want
  want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ -f "${stamp}" ] && [ "$(cat "${stamp}")" = "${want}" ]; then
    return 0
  fi
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && echo "${want}" >"${stamp}"
}
check "npm ci (pinned commitlint)" install_node_tools

lint_commits() {
  local from total last
  if [ -n "${COMMITLINT_FROM:-}" ]; then
    from="${COMMITLINT_FROM}"
  else
    last="${COMMITLINT_LAST:-20}"
    total="$(git rev-list --count HEAD)"
    if [ "${total}" -le "${last}" ]; then
      from="$(git rev-list --max-parents=0 HEAD | tail -n 1)"
      # --from is exclusive: lint the root commit on its own first.
      git log -1 --format=%B "${from}" | npx --no-install commitlint || return 1
    else
      from="HEAD~${last}"
    fi
  fi
  npx --no-install commitlint --from "${from}" --to HEAD
}
check "commitlint (Conventional Commits) on the last ${COMMITLINT_LAST:-20} commits" lint_commits

# docs/releasing.md pins a version with a chore(release) commit because a revert can be a
# release: both, with the pinned commit analyzer and .releaserc.json's rules.
release_rules() {
  local pin revert got
  pin="$(grep -oE 'git commit -am "chore\(release\): [^"]+"' docs/releasing.md | head -n 1 | sed -E 's/^git commit -am "(.*)"$/\1/')"
  [ -n "${pin}" ] || { echo "docs/releasing.md: no 'git commit -am \"chore(release): ...\"' pin step"; return 1; }
  revert=$'Revert "chore(release): deploy realworld 1.4.3"\n\nThis reverts commit 1234567890abcdef.'
  got="$(node scripts/release-type.mjs "${pin}")"
  [ "${got}" = none ] || { echo "pin commit '${pin}' would release: ${got}"; return 1; }
  got="$(node scripts/release-type.mjs "${revert}")"
  [ "${got}" = patch ] || { echo "a revert of an older commit releases '${got}', docs/releasing.md says patch"; return 1; }
  got="$(node scripts/release-type.mjs "1234567890abcdef:chore(release): deploy realworld 1.4.3" "${revert}")"
  [ "${got}" = none ] || { echo "a revert inside the range releases '${got}', docs/releasing.md says none"; return 1; }
}
check "release rules: the rollback pin releases nothing, a revert of an older commit a patch" release_rules

echo "delivery-check: ${passes} passed, ${failures} failed"
[ "${failures}" -eq 0 ]
