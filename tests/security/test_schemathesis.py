"""Property-based fuzzing of every operation in /api/schema with schemathesis, signed in.

Checks: no 5xx, documented status codes and content types, bodies that match the schema.
Bounded: SCHEMATHESIS_MAX_EXAMPLES per operation and phase (default 10), fixed seed unless
SCHEMATHESIS_SEED says otherwise. Runs against gunicorn on the test database.
"""

import os
import subprocess
import sys
from pathlib import Path

import requests

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)


def test_the_api_survives_fuzzing_and_matches_its_schema(server_on_test_db):
    url = server_on_test_db.url
    user = {"username": "fuzzer", "email": "fuzzer@example.com", "password": "pw-12345678"}
    registered = requests.post(f"{url}/api/users", json={"user": user}, timeout=10)
    token = registered.json()["user"]["token"]

    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{url}/api/schema",
        "--header",
        f"Authorization: Token {token}",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"),
        "--seed",
        os.environ.get("SCHEMATHESIS_SEED", "20261122"),
        "--request-timeout",
        "10",
        "--no-color",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    summary = result.stdout[result.stdout.find("SUMMARY") :] or result.stdout[-3000:]
    print(summary)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
