#!/usr/bin/env bash
# Proof that the real Dockerfile builds and serves the API on this machine, where there is no
# Docker engine and no registry (`make image-test`, as root, takes a few minutes):
#
#  1. a stand-in for python:3.11-slim-bookworm: Debian bookworm (debootstrap, minbase) with
#     Debian's python3 and python3-venv, imported into buildah storage and tagged locally
#     (cached under .data/image-test/ and reused);
#  2. `buildah bud --isolation chroot` of the Dockerfile with BASE_IMAGE=<that tag>, the
#     runtime target (default) and the loadtest target;
#  3. the image's own config (Env, WorkingDir, User, Cmd, Healthcheck) run from its mounted
#     root filesystem, like a container runtime would: read-only root, tmpfs on /tmp, UID/GID
#     10001, host network, against PostgreSQL on 127.0.0.1:5432 (database
#     realworld_image_test, recreated): migrate, gunicorn, /healthz, /readyz, the HEALTHCHECK
#     command, register -> login -> create article, non-root processes; image size reported.
#
#   IMAGE_TEST_DIR      cache dir (default .data/image-test)
#   IMAGE_TEST_PG_URL   server URL without database (default postgres://postgres@127.0.0.1:5432)
#   IMAGE_TEST_PORT     port for the server under test (default 18000)
#   IMAGE_TEST_REBUILD_BASE=1  rebuild the stand-in base image
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
START_SECONDS=${SECONDS}
CACHE_DIR="${IMAGE_TEST_DIR:-${ROOT}/.data/image-test}"
STORAGE_ROOT="${CACHE_DIR}/storage"
RUN_ROOT="${CACHE_DIR}/run"
ROOTFS="${CACHE_DIR}/rootfs-bookworm"
BASE_TAG="localhost/realworld-test-base:bookworm-python3"
IMAGE_TAG="localhost/realworld:test"
LOADTEST_TAG="localhost/realworld-loadtest:test"
PG_SERVER_URL="${IMAGE_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}"
DB_NAME="realworld_image_test"
PORT="${IMAGE_TEST_PORT:-18000}"
BASE_URL="http://127.0.0.1:${PORT}"
DEBIAN_MIRROR="${IMAGE_TEST_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

step() { printf '\n=== %s (%ss)\n' "$*" "$((SECONDS - START_SECONDS))"; }
fail() {
  echo "FAIL image-test: $*" >&2
  exit 1
}
pass() { echo "PASS $*"; }

[ "$(id -u)" -eq 0 ] || fail "must run as root (buildah with the vfs driver, chroot, mounts); try: sudo make image-test"

# --- tools -----------------------------------------------------------------------------------
missing=()
for tool in buildah debootstrap; do
  command -v "${tool}" >/dev/null 2>&1 || missing+=("${tool}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  step "Installing ${missing[*]} from Debian's packages"
  command -v apt-get >/dev/null 2>&1 || fail "apt-get not found: install ${missing[*]} by hand"
  apt-get update -qq || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || fail "could not install ${missing[*]}"
fi
for tool in buildah debootstrap unshare chroot mount psql curl python3 sha256sum; do
  command -v "${tool}" >/dev/null 2>&1 || fail "'${tool}' is required"
done

bh() { buildah --storage-driver vfs --root "${STORAGE_ROOT}" --runroot "${RUN_ROOT}" "$@"; }
mkdir -p "${CACHE_DIR}" "${STORAGE_ROOT}" "${RUN_ROOT}"

# --- cleanup ---------------------------------------------------------------------------------
SERVER_PID=""
CONTAINER=""
cleanup() {
  local rc=$?
  if [ -n "${SERVER_PID}" ] && kill -0 "${SERVER_PID}" 2>/dev/null; then
    kill -TERM "${SERVER_PID}" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "${SERVER_PID}" 2>/dev/null || break; sleep 1; done
    kill -KILL "${SERVER_PID}" 2>/dev/null || true
  fi
  if [ -n "${CONTAINER}" ]; then
    bh umount "${CONTAINER}" >/dev/null 2>&1 || true
    bh rm "${CONTAINER}" >/dev/null 2>&1 || true
  fi
  psql "${PG_SERVER_URL}/postgres" -qAtc "DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)" \
    >/dev/null 2>&1 || true
  exit "${rc}"
}
trap cleanup EXIT

# --- 1. stand-in base image ------------------------------------------------------------------
if [ "${IMAGE_TEST_REBUILD_BASE:-0}" = 1 ]; then
  bh rmi --force "${BASE_TAG}" >/dev/null 2>&1 || true
  rm -rf "${ROOTFS}"
fi
if bh inspect --type image "${BASE_TAG}" >/dev/null 2>&1; then
  step "Stand-in base ${BASE_TAG}: reusing the cached image"
else
  if [ ! -f "${ROOTFS}/.image-test-complete" ]; then
    step "debootstrap bookworm (minbase) + python3 python3-venv into ${ROOTFS}"
    rm -rf "${ROOTFS}"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
      bookworm "${ROOTFS}" "${DEBIAN_MIRROR}" >"${CACHE_DIR}/debootstrap.log" 2>&1 \
      || { tail -n 30 "${CACHE_DIR}/debootstrap.log"; fail "debootstrap failed"; }
    # This machine reaches PyPI through a TLS-inspecting egress proxy: the stand-in trusts the
    # same extra CAs as the host (an official base image on GitHub needs nothing of the sort).
    if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
      cp /usr/local/share/ca-certificates/*.crt "${ROOTFS}/usr/local/share/ca-certificates/"
      chroot "${ROOTFS}" update-ca-certificates >/dev/null
    fi
    chroot "${ROOTFS}" apt-get clean
    rm -rf "${ROOTFS}"/var/lib/apt/lists/* "${ROOTFS}"/var/cache/apt/*.bin
    touch "${ROOTFS}/.image-test-complete"
  fi
  step "Importing the stand-in root filesystem as ${BASE_TAG}"
  ctr="$(bh from scratch)"
  mnt="$(bh mount "${ctr}")"
  tar -C "${ROOTFS}" --exclude=./.image-test-complete -cf - . | tar -C "${mnt}" -xpf -
  bh umount "${ctr}" >/dev/null
  bh config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env LANG=C.UTF-8 --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    --env PIP_CERT=/etc/ssl/certs/ca-certificates.crt --cmd python3 "${ctr}"
  bh commit --quiet --rm "${ctr}" "${BASE_TAG}" >/dev/null
fi
base_python="$(bh run --isolation chroot "$(bh from --pull=never "${BASE_TAG}")" -- python3 --version 2>&1 || true)"
bh rm --all >/dev/null 2>&1 || true
echo "stand-in base: ${base_python} at /usr/bin/python3 (official slim: /usr/local/bin/python3)"

# --- 2. build the real Dockerfile ------------------------------------------------------------
# Previous test images (and their now untagged layers) go first: vfs stores full copies.
bh rmi --force "${IMAGE_TAG}" "${LOADTEST_TAG}" >/dev/null 2>&1 || true
bh rmi --prune >/dev/null 2>&1 || true
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
build() {
  local target="$1" tag="$2"
  step "buildah bud --target ${target} -t ${tag}"
  local t0=${SECONDS}
  bh bud --isolation chroot --format docker --layers=false --pull=never \
    --build-arg "BASE_IMAGE=${BASE_TAG}" \
    --build-arg "VERSION=0.0.0-image-test" \
    --build-arg "REVISION=${revision}" \
    --build-arg "SOURCE=file://${ROOT}" \
    --target "${target}" -t "${tag}" -f Dockerfile . >"${CACHE_DIR}/build-${target}.log" 2>&1 \
    || { tail -n 40 "${CACHE_DIR}/build-${target}.log"; fail "buildah bud --target ${target}"; }
  pass "built ${tag} (${target}) in $((SECONDS - t0))s"
}
build runtime "${IMAGE_TAG}"
if [ -f loadtest/locustfile.py ]; then
  build loadtest "${LOADTEST_TAG}"
else
  echo "NOT BUILT: loadtest target (loadtest/locustfile.py does not exist yet)"
fi

# --- 3. run the image like a container runtime would ----------------------------------------
inspect() { bh inspect --type image --format "$1" "${IMAGE_TAG}"; }
mapfile -t IMAGE_ENV < <(inspect '{{range .Docker.Config.Env}}{{println .}}{{end}}' | sed '/^$/d')
WORKDIR="$(inspect '{{.Docker.Config.WorkingDir}}')"
USER_SPEC="$(inspect '{{.Docker.Config.User}}')"
mapfile -t CMD < <(inspect '{{range .Docker.Config.Cmd}}{{println .}}{{end}}' | sed '/^$/d')
mapfile -t HEALTHCHECK < <(inspect '{{range .Docker.Config.Healthcheck.Test}}{{println .}}{{end}}' | sed '/^$/d')
echo "image config: User=${USER_SPEC} WorkingDir=${WORKDIR} Cmd=${CMD[*]}"
echo "image healthcheck: ${HEALTHCHECK[*]}"
[ "${USER_SPEC}" = "10001:10001" ] || fail "image user is '${USER_SPEC}', expected 10001:10001"
[ "${HEALTHCHECK[0]:-}" = "CMD" ] || fail "no exec-form HEALTHCHECK in the image config"
for label in source version revision; do
  value="$(inspect "{{index .Docker.Config.Labels \"org.opencontainers.image.${label}\"}}")"
  [ -n "${value}" ] || fail "label org.opencontainers.image.${label} is missing"
  echo "label org.opencontainers.image.${label}=${value}"
done

CONTAINER="$(bh from --pull=never "${IMAGE_TAG}")"
MNT="$(bh mount "${CONTAINER}")"
[ ! -e "${MNT}/usr/bin/gcc" ] && [ ! -e "${MNT}/usr/bin/cc" ] || fail "a compiler is in the image"
[ ! -e "${MNT}/opt/venv/bin/pip" ] || fail "pip is in the application virtualenv"
compgen -G "${MNT}/opt/venv/lib/python3*/site-packages/setuptools" >/dev/null && fail "setuptools is in the application virtualenv"

APP_ENV=(
  "DATABASE_URL=${PG_SERVER_URL}/${DB_NAME}"
  "DJANGO_SECRET_KEY=image-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
  "DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost"
  "PORT=${PORT}"
  "GUNICORN_BIND_HOST=127.0.0.1"
  "WEB_CONCURRENCY=2"
)

# "${IN_IMAGE[@]}" CMD...: runs CMD inside the image's root filesystem with the image's
# environment and user, a read-only root, a fresh tmpfs on /tmp, /dev and /proc, in a mount
# namespace of its own (nothing leaks to the host), on the host network. Every step execs the
# next, so a background "${IN_IMAGE[@]}" CMD & has $! = the PID of CMD itself.
# shellcheck disable=SC2016 # the script is for the inner shell
IN_IMAGE_SCRIPT='
  mnt="$1"; workdir="$2"; user="$3"; shift 3
  mount --bind "$mnt" "$mnt"
  mount --rbind /dev "$mnt/dev"
  mount -t proc proc "$mnt/proc"
  mount -t tmpfs -o mode=1777,size=64m tmpfs "$mnt/tmp"
  mount -o remount,bind,ro "$mnt"
  exec chroot --userspec="$user" "$mnt" /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$workdir" "$@"
'
IN_IMAGE=(unshare --mount --propagation private -- /bin/sh -ec "${IN_IMAGE_SCRIPT}" in_image
  "${MNT}" "${WORKDIR}" "${USER_SPEC}" /usr/bin/env -i "${IMAGE_ENV[@]}" "${APP_ENV[@]}")

step "Database ${DB_NAME} (recreated) on ${PG_SERVER_URL}"
psql "${PG_SERVER_URL}/postgres" -v ON_ERROR_STOP=1 -qAtc "DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)" \
  || fail "cannot reach PostgreSQL at ${PG_SERVER_URL}"
psql "${PG_SERVER_URL}/postgres" -v ON_ERROR_STOP=1 -qAtc "CREATE DATABASE ${DB_NAME}"

step "Read-only root filesystem really is read-only; /tmp is writable"
if "${IN_IMAGE[@]}" /bin/sh -c 'touch /app/should-fail' 2>/dev/null; then fail "the root filesystem is writable"; fi
# shellcheck disable=SC2016 # expanded by the shell inside the image
"${IN_IMAGE[@]}" /bin/sh -c 'touch /tmp/ok && test "$(id -u):$(id -g)" = 10001:10001' \
  || fail "/tmp not writable or not running as 10001:10001"
pass "read-only root, writable /tmp, uid:gid 10001:10001"

step "python manage.py migrate --noinput (explicit, as in the compose/Kubernetes Job)"
"${IN_IMAGE[@]}" python manage.py migrate --noinput || fail "migrate failed"
pass "migrations applied"

SERVER_LOG="${CACHE_DIR}/server.log"
: >"${SERVER_LOG}"
# start_server [VAR=value...]: the image's CMD in the background (extra env wins).
start_server() {
  "${IN_IMAGE[@]}" "$@" "${CMD[@]}" >>"${SERVER_LOG}" 2>&1 &
  SERVER_PID=$!
}
# wait_for PATH CODE: polls until PATH answers CODE (60 s at most).
wait_for() {
  local code=""
  for _ in $(seq 1 120); do
    if ! kill -0 "${SERVER_PID}" 2>/dev/null; then
      cat "${SERVER_LOG}"
      fail "the server exited"
    fi
    code="$(curl -s -o /dev/null -w '%{http_code}' "${BASE_URL}$1" || true)"
    [ "${code}" = "$2" ] && return 0
    sleep 0.5
  done
  cat "${SERVER_LOG}"
  fail "$1 answered ${code:-nothing}, never $2"
}
# stop_server: SIGTERM, then the graceful timeout (20 s) at most.
stop_server() {
  kill -TERM "${SERVER_PID}"
  for _ in $(seq 1 50); do kill -0 "${SERVER_PID}" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "${SERVER_PID}" 2>/dev/null; then fail "gunicorn did not stop within 25s of SIGTERM"; fi
  wait "${SERVER_PID}" 2>/dev/null || true
  SERVER_PID=""
}

step "Probes with the database down (DATABASE_URL to a closed port)"
start_server "DATABASE_URL=postgres://realworld@127.0.0.1:9/unreachable"
wait_for /healthz 200
pass "/healthz 200 without a database (liveness never touches it)"
wait_for /readyz 503
pass "/readyz 503 without a database"
stop_server

step "Starting the image's CMD: ${CMD[*]}"
start_server
t0=${SECONDS}
wait_for /readyz 200
pass "/readyz 200 after $((SECONDS - t0))s"
[ "$(curl -s -o /dev/null -w '%{http_code}' "${BASE_URL}/healthz")" = 200 ] || fail "/healthz is not 200"
pass "/healthz 200"

"${IN_IMAGE[@]}" "${HEALTHCHECK[@]:1}" || fail "the image's HEALTHCHECK command failed"
pass "HEALTHCHECK command (${HEALTHCHECK[*]:1:1} ...) exits 0"

step "API flow: register -> login -> create article"
user="imagetest$(date +%s)"
api() {
  local method="$1" path="$2" body="$3" token="${4:-}"
  local headers=(-H 'Content-Type: application/json')
  [ -n "${token}" ] && headers+=(-H "Authorization: Token ${token}")
  curl -s -w '\n%{http_code}' -X "${method}" "${headers[@]}" --data "${body}" "${BASE_URL}${path}"
}
# json_get KEY... < JSON: prints the value at that path.
json_get() {
  python3 -c 'import functools, json, sys; print(functools.reduce(lambda d, k: d[k], sys.argv[1:], json.load(sys.stdin)))' "$@"
}
expect() {
  local want="$1" response="$2" label="$3"
  local code="${response##*$'\n'}"
  [ "${code}" = "${want}" ] || fail "${label}: HTTP ${code} (expected ${want}): ${response%$'\n'*}"
  printf '%s' "${response%$'\n'*}"
}
body="$(expect 201 "$(api POST /api/users "{\"user\":{\"username\":\"${user}\",\"email\":\"${user}@example.com\",\"password\":\"correct-horse-battery\"}}")" register)"
[ "$(json_get user username <<<"${body}")" = "${user}" ] || fail "register: wrong user"
pass "register ${user} -> 201"
body="$(expect 200 "$(api POST /api/users/login "{\"user\":{\"email\":\"${user}@example.com\",\"password\":\"correct-horse-battery\"}}")" login)"
token="$(json_get user token <<<"${body}")"
[ -n "${token}" ] || fail "login: no token"
pass "login -> 200 with a token"
body="$(expect 201 "$(api POST /api/articles '{"article":{"title":"Built by buildah","description":"image-test","body":"Served from the image.","tagList":["image-test"]}}' "${token}")" "create article")"
slug="$(json_get article slug <<<"${body}")"
pass "create article -> 201 (slug ${slug})"
body="$(expect 200 "$(curl -s -w '\n%{http_code}' "${BASE_URL}/api/articles/${slug}")" "get article")"
[ "$(json_get article author username <<<"${body}")" = "${user}" ] || fail "article author"
pass "get article -> 200, author ${user}"

step "Web app: pages and hashed static files from the image"
page="$(curl -s -w '\n%{http_code}' "${BASE_URL}/")"
[ "$(tail -n 1 <<<"${page}")" = 200 ] || fail "GET / is not 200"
grep -q 'Built by buildah' <<<"${page}" || fail "GET / does not list the article"
stylesheet="$(grep -o '/static/web/conduit\.[0-9a-f]\{12\}\.css' <<<"${page}" | head -n 1)"
[ -n "${stylesheet}" ] || fail "GET / links no content-hashed stylesheet"
[ "$(curl -s -o /dev/null -w '%{http_code}' "${BASE_URL}${stylesheet}")" = 200 ] || fail "${stylesheet} not served"
curl -s -D - -o /dev/null "${BASE_URL}/" | grep -qi "^content-security-policy: default-src 'self'" \
  || fail "GET / has no Content-Security-Policy"
[ "$(curl -s -o /dev/null -w '%{http_code}' "${BASE_URL}/article/${slug}")" = 200 ] || fail "article page"
pass "/ and /article/${slug} -> 200, ${stylesheet} served, CSP set"

step "Metrics on their own port, JSON logs with request ids"
metrics="$(curl -s "http://127.0.0.1:9100/metrics")"
grep -q '^realworld_http_requests_total{.*view="api/articles"' <<<"${metrics}" \
  || fail "no realworld_http_requests_total for api/articles on :9100/metrics"
grep -q '^gunicorn_workers ' <<<"${metrics}" || fail "no gunicorn_workers on :9100/metrics"
[ "$(curl -s -o /dev/null -w '%{http_code}' "${BASE_URL}/metrics")" = 404 ] || fail "the public port serves /metrics"
request_id="$(curl -s -D - -o /dev/null -H 'X-Request-ID: image-test-1' "${BASE_URL}/api/tags" |
  awk 'tolower($1) == "x-request-id:" { print $2 }' | tr -d '\r')"
[ "${request_id}" = image-test-1 ] || fail "X-Request-ID not echoed (got '${request_id}')"
sleep 0.5
python3 -c 'import json, sys; [json.loads(line) for line in open(sys.argv[1]) if line.strip()]' "${SERVER_LOG}" \
  || fail "a server log line is not JSON"
grep -q '"request_id": "image-test-1"' "${SERVER_LOG}" || fail "no log line carries the request id"
pass ":9100/metrics summed, public /metrics 404, every log line JSON, request id echoed and logged"

step "Processes run as non-root"
grep -q gunicorn "/proc/${SERVER_PID}/cmdline" || fail "process ${SERVER_PID} is not gunicorn"
gunicorn_pids="${SERVER_PID} $(pgrep -P "${SERVER_PID}" | tr '\n' ' ')"
for pid in ${gunicorn_pids}; do
  uid="$(awk '/^Uid:/ {print $2}' "/proc/${pid}/status")"
  gid="$(awk '/^Gid:/ {print $2}' "/proc/${pid}/status")"
  [ "${uid}" = 10001 ] && [ "${gid}" = 10001 ] || fail "process ${pid} runs as ${uid}:${gid}"
done
pass "$(wc -w <<<"${gunicorn_pids}") gunicorn processes (master + workers) run as 10001:10001"

step "Graceful stop (SIGTERM)"
t0=${SECONDS}
stop_server
pass "stopped $((SECONDS - t0))s after SIGTERM"

if [ -f loadtest/locustfile.py ]; then
  step "Load generator image"
  ltctr="$(bh from --pull=never "${LOADTEST_TAG}")"
  bh run --isolation chroot --user 10001:10001 "${ltctr}" -- locust --version \
    || { bh rm "${ltctr}" >/dev/null; fail "locust does not run in ${LOADTEST_TAG}"; }
  bh rm "${ltctr}" >/dev/null
  pass "locust runs in ${LOADTEST_TAG}"
fi

step "Sizes"
size_of() { bh images --format '{{.Size}}' "$1" | head -n 1; }
echo "stand-in base ${BASE_TAG}: $(size_of "${BASE_TAG}")"
echo "image ${IMAGE_TAG}: $(size_of "${IMAGE_TAG}")"
[ -f loadtest/locustfile.py ] && echo "image ${LOADTEST_TAG}: $(size_of "${LOADTEST_TAG}")"
echo "added by the Dockerfile on top of the base (venv + app + bytecode): $(du -sh "${MNT}/opt/venv" | cut -f1) venv, $(du -sh "${MNT}/app" | cut -f1) app"

echo
echo "image-test: 1 passed, 0 failed (in $((SECONDS - START_SECONDS))s)"
