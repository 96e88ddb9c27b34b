"""The load generator, run for a few seconds against gunicorn: no failures, every action ran."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

REPO_ROOT = Path(__file__).resolve().parents[2]
# One name per action in loadtest/locustfile.py (login only runs when registration clashes).
EXPECTED_REQUESTS = {
    "GET /api/articles",
    "GET /api/articles?tag=",
    "GET /api/articles?author=",
    "GET /api/articles/:slug",
    "GET /api/articles/:slug/comments",
    "GET /api/tags",
    "GET /api/articles/feed",
    "GET /api/user",
    "POST /api/users",
    "POST /api/articles/:slug/favorite",
    "DELETE /api/articles/:slug/favorite",
    "POST /api/profiles/:username/follow",
    "DELETE /api/profiles/:username/follow",
    "POST /api/articles/:slug/comments",
    "DELETE /api/articles/:slug/comments/:id",
    "POST /api/articles",
    "PUT /api/articles/:slug",
    "DELETE /api/articles/:slug",
    "GET / (page)",
    "GET /article/:slug (page)",
    "GET /profile/:username (page)",
}


@pytest.mark.slow
def test_realistic_mix_runs_without_failures(
    transactional_db: None, live_server_url: str, tmp_path: Path
) -> None:
    call_command(
        "seed", users=20, articles=60, comments=100, favorites=100, follows=40, tags=8, flush=True
    )
    env = dict(
        os.environ,
        LOCUST_HOST=live_server_url,
        LOCUST_USERS="10",  # 6 readers, 3 members, 1 writer
        LOCUST_SPAWN_RATE="10",
        LOCUST_RUN_TIME="6s",
        LOADTEST_THINK_SECONDS="0.1",  # busy users, so every action runs within seconds
        LOADTEST_MAX_FAILURE_RATIO="0",
    )
    locust = Path(sys.executable).with_name("locust")
    command = [str(locust), "-f", "loadtest/locustfile.py", "--headless", "--only-summary"]
    result = subprocess.run(
        [*command, "--json-file", str(tmp_path / "run")],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output

    # The JSON file is written once the run has stopped (the CSV files only every second, so
    # they can miss the last requests).
    entries = json.loads((tmp_path / "run.json").read_text())
    assert sum(entry["num_failures"] for entry in entries) == 0, output
    ran = {entry["name"] for entry in entries if entry["num_requests"] > 0}
    assert ran >= EXPECTED_REQUESTS, f"never ran: {sorted(EXPECTED_REQUESTS - ran)}\n{output}"
