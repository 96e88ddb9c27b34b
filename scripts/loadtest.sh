#!/usr/bin/env bash
# make loadtest: a bounded headless locust run (loadtest/locustfile.py).
#   LOCUST_HOST set   -> against that URL, as is (any environment).
#   LOCUST_HOST unset -> against a local gunicorn (production config) on the development database
#                        (DATABASE_URL, else the embedded PostgreSQL), seeded with 1k articles
#                        when it is empty; the server is stopped afterwards.
# Defaults: 20 users, spawn rate 10/s, 30 s; LOADTEST_MAX_FAILURE_RATIO=0.01 (exit 1 above it).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export LOCUST_USERS=${LOCUST_USERS:-20} LOCUST_SPAWN_RATE=${LOCUST_SPAWN_RATE:-10}
export LOCUST_RUN_TIME=${LOCUST_RUN_TIME:-30s}
locust=(.venv/bin/locust -f loadtest/locustfile.py --headless --only-summary)

if [[ -n "${LOCUST_HOST:-}" ]]; then
  exec "${locust[@]}"
fi

"$PY" scripts/dev.py migrate
"$PY" scripts/dev.py manage seed --preset 1k --if-empty
exec "$PY" scripts/dev.py exec -- "$PY" - "${locust[@]}" <<'PYTHON'
import subprocess, sys, os
from tests.support.servers import gunicorn_server

# Every simulated user comes from 127.0.0.1: gunicorn_server lifts the abuse limits.
with gunicorn_server(os.environ["DATABASE_URL"]) as server:
    print(f"Load testing {server.url} (gunicorn, production config)", flush=True)
    result = subprocess.run([*sys.argv[1:], "--host", server.url], check=False)
sys.exit(result.returncode)
PYTHON
