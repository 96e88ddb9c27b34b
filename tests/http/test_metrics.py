"""Prometheus metrics as production serves them: 2 gunicorn workers, the master summing their
samples on METRICS_PORT. A known sequence of requests must add up exactly, across workers and
across a worker that is killed and replaced."""

import os
import signal
import time

import pytest
import requests
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from realworld.testing.databases import url_from_settings
from realworld.testing.servers import gunicorn_server

pytestmark = pytest.mark.django_db(transaction=True)


def scrape(metrics_url: str) -> dict[tuple[str, tuple], float]:
    text = requests.get(metrics_url, timeout=10).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_known_requests_add_up_across_workers_and_a_replaced_worker():
    url = url_from_settings(connection.settings_dict)
    with gunicorn_server(url, env={"WEB_CONCURRENCY": "2"}) as server:
        before = scrape(server.metrics_url)
        assert value(before, "gunicorn_workers") == 2
        for _ in range(7):  # fresh connections: both workers take some
            assert requests.get(f"{server.url}/api/tags", timeout=10).status_code == 200
        for _ in range(3):
            missing = requests.get(f"{server.url}/api/profiles/nobody-here", timeout=10)
            assert missing.status_code == 404
        refused = requests.post(
            f"{server.url}/api/users/login",
            json={"user": {"email": "nobody@example.com", "password": "wrong-password"}},
            timeout=10,
        )
        assert refused.status_code == 401
        # A worker dies (OOM, segfault): its counts must not vanish from the sum.
        os.kill(min(server.worker_pids()), signal.SIGKILL)
        deadline = time.monotonic() + 20
        while (
            value(scrape(server.metrics_url), "gunicorn_workers") != 2
            or len(server.worker_pids()) != 2
        ):
            assert time.monotonic() < deadline, "the master did not replace the worker"
            time.sleep(0.2)
        assert requests.get(f"{server.url}/api/tags", timeout=10).status_code == 200
        after = scrape(server.metrics_url)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("realworld_http_requests_total", view="api/tags", method="GET", status="200") == 8
    assert (
        grew(
            "realworld_http_requests_total",
            view="api/profiles/<str:username>",
            method="GET",
            status="404",
        )
        == 3
    )
    assert grew("realworld_http_request_duration_seconds_count", view="api/tags", method="GET") == 8
    assert grew("realworld_logins_total", outcome="bad_credentials") == 1
    assert grew("realworld_logins_total", outcome="success") == 0
    assert grew("realworld_db_queries_total") >= 8 + 3 + 1  # each of those read the database
    assert grew("realworld_db_errors_total", error="DataError") == 0


def test_the_metrics_port_serves_only_metrics_and_the_public_port_no_metrics():
    url = url_from_settings(connection.settings_dict)
    with gunicorn_server(url) as server:
        assert requests.get(server.metrics_url, timeout=10).status_code == 200
        base = server.metrics_url.removesuffix("/metrics")
        for path in ("/", "/api/tags", "/healthz", "/metrics/extra"):
            assert requests.get(base + path, timeout=10).status_code == 404, path
        public = requests.get(f"{server.url}/metrics", timeout=10)
        assert public.status_code == 404
        assert "realworld_http_requests" not in public.text


def test_servers_side_by_side_keep_their_own_metrics(tmp_path):
    """The benchmark runs the API and its ceiling at once, from a process that may carry a
    PROMETHEUS_MULTIPROC_DIR: each master must use, and clean up, only its own directory."""
    url = url_from_settings(connection.settings_dict)
    inherited = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "inherited")}
    with gunicorn_server(url, env=inherited) as first:
        with gunicorn_server(url, env=inherited) as second:
            assert requests.get(f"{second.url}/api/tags", timeout=10).status_code == 200
        # The second master is gone, with its directory: the first still counts.
        for _ in range(3):
            assert requests.get(f"{first.url}/api/tags", timeout=10).status_code == 200
        samples = scrape(first.metrics_url)
    assert value(samples, "realworld_http_requests_total", view="api/tags", method="GET",
                 status="200") == 3  # fmt: skip


def test_the_canary_gates_query_only_metrics_the_app_exports():
    """The MetricTemplates' PromQL names series this exporter really writes: a renamed metric
    would leave a gate with no data (a failed check on every release)."""
    import re

    import yaml
    from prometheus_client import Counter, Histogram

    from realworld import metrics
    from realworld.testing.databases import REPO_ROOT

    exported = set()
    for metric in vars(metrics).values():
        if isinstance(metric, Counter):
            exported.add(f"{metric._name}_total")
        elif isinstance(metric, Histogram):
            exported |= {f"{metric._name}_{suffix}" for suffix in ("bucket", "count", "sum")}
    templates = REPO_ROOT / "infrastructure/flux/apps/realworld/metric-templates.yaml"
    queries = [d["spec"]["query"] for d in yaml.safe_load_all(templates.read_text()) if d]
    assert len(queries) == 2
    for query in queries:
        named = set(re.findall(r"\b(realworld_[a-z_]+)\s*\{", query))
        assert named, query
        assert named <= exported, f"not exported: {named - exported}"
        labels = set(re.findall(r"[{,]\s*([a-z_]+)\s*(?:=~|!~|!=|=)", query))
        assert labels <= {"namespace", "deployment", "status"}, labels
