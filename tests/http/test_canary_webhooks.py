"""The Canary's webhook scripts (infrastructure/flux/apps/realworld/canary.yaml), run as the
Flagger loadtester runs them (`bash -c` for type bash, `sh -c` for cmd) against gunicorn with
the production abuse limits: they pass, and the load covers every kind of request the gates
judge without a single 4xx or 5xx. A script that drifts from the API, or a journey that trips
a per-user limit, would fail every release's analysis on the cluster."""

import shutil
import subprocess
from collections import Counter
from typing import Any

import pytest
import yaml
from django.db import connection

from tests.http.test_metrics import scrape
from tests.support.databases import REPO_ROOT, url_from_settings
from tests.support.servers import LIFTED_LIMITS, gunicorn_server

pytestmark = pytest.mark.django_db(transaction=True)

CANARY = REPO_ROOT / "infrastructure/flux/apps/realworld/canary.yaml"
# The Services the scripts call in the cluster; here, all of them are the one test server.
CLUSTER_URLS = ("http://realworld-canary.realworld", "http://realworld.realworld")
PRODUCTION_LIMITS = dict.fromkeys(LIFTED_LIMITS, "")  # empty: the settings' defaults


def webhooks() -> dict[str, dict[str, Any]]:
    canary = yaml.safe_load(CANARY.read_text())
    return {hook["name"]: hook for hook in canary["spec"]["analysis"]["webhooks"]}


def run_webhook(hook: dict[str, Any], site: str, env: dict[str, str]) -> str:
    script = hook["metadata"]["cmd"]
    for cluster_url in CLUSTER_URLS:
        script = script.replace(cluster_url, site)
    shell = "bash" if hook["metadata"].get("type") == "bash" else "sh"
    result = subprocess.run(
        [shell, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{hook['name']} failed:\n{output}"
    return output


def requests_served(samples: dict) -> Counter:
    """(view, method, status) -> count, from realworld_http_requests_total."""
    served: Counter = Counter()
    for (name, labels), count in samples.items():
        if name == "realworld_http_requests_total" and count:
            label = dict(labels)
            served[label["view"], label["method"], label["status"]] += int(count)
    return served


def test_acceptance_and_user_journeys_pass_under_the_production_limits(tmp_path):
    for tool in ("bash", "sh", "curl", "jq"):
        assert shutil.which(tool), (
            f"{tool} is needed to run the webhook scripts (.ci/run installs it)"
        )
    hooks = webhooks()
    assert hooks["user-journeys"]["type"] == "rollout"
    assert "type" not in hooks["user-journeys"]["metadata"], "cmd runs in the background"
    url = url_from_settings(connection.settings_dict)
    with gunicorn_server(url, env=PRODUCTION_LIMITS) as server:
        # The canary's pre-rollout check, then the journey: all 8 rounds at once (no pause),
        # which is harder on the per-user write limits than the 5 s pause on the cluster.
        env = {"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path)}
        run_webhook(hooks["acceptance-test"], server.url, env)
        output = run_webhook(
            hooks["user-journeys"],
            server.url,
            {**env, "JOURNEY_SECONDS": "60", "JOURNEY_PAUSE": "0"},
        )
        served = requests_served(scrape(server.metrics_url))

    assert "8 rounds" in output, output
    assert "0 unexpected" in output, output
    refused = {key: count for key, count in served.items() if key[2] >= "400"}
    assert not refused, f"the webhooks' requests were refused: {refused}"
    kinds = {(view, method) for view, method, _ in served}
    expected = {
        ("api/users", "POST"),
        ("api/users/login", "POST"),
        ("api/user", "GET"),
        ("api/articles", "GET"),
        ("api/articles", "POST"),
        ("api/articles/<str:slug>", "GET"),
        ("api/articles/<str:slug>", "PUT"),
        ("api/articles/<str:slug>", "DELETE"),
        ("api/articles/<str:slug>/favorite", "POST"),
        ("api/articles/<str:slug>/favorite", "DELETE"),
        ("api/articles/<str:slug>/comments", "POST"),
        ("api/articles/<str:slug>/comments", "GET"),
        ("api/articles/<str:slug>/comments/<int:comment_id>", "DELETE"),
        ("api/articles/feed", "GET"),
        ("api/profiles/<str:username>/follow", "POST"),
        ("api/profiles/<str:username>/follow", "DELETE"),
        ("api/tags", "GET"),
    }
    assert expected <= kinds, f"never requested: {sorted(expected - kinds)} of {sorted(served)}"
    # Each round's writes, counted: 8 articles created and deleted by the journey.
    assert served["api/articles", "POST", "201"] == 1 + 8
    assert served["api/articles/<str:slug>", "DELETE", "204"] == 8
