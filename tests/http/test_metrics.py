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

from tests.support.databases import url_from_settings
from tests.support.servers import gunicorn_server

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


LINKERD_PROXY_METRICS = {"response_total", "response_latency_ms_bucket"}  # linkerd-* gates
# Labels a query may use besides a metric's own: those the scrape adds, and linkerd's
# direction and classification on its proxy metrics.
SCRAPE_LABELS = {"namespace", "deployment", "pod"}
LINKERD_LABELS = {"direction", "classification"}


def exported_series() -> dict[str, set[str]]:
    """Every series realworld/metrics.py can write, as Prometheus stores them, with its labels."""
    from prometheus_client import Counter, Gauge, Histogram

    from realworld import metrics

    exported: dict[str, set[str]] = {}
    for metric in vars(metrics).values():
        labels = (
            set(metric._labelnames) if isinstance(metric, Counter | Gauge | Histogram) else set()
        )
        if isinstance(metric, Counter):
            exported[f"{metric._name}_total"] = labels
        elif isinstance(metric, Histogram):
            exported[f"{metric._name}_bucket"] = labels | {"le"}
            exported[f"{metric._name}_count"] = exported[f"{metric._name}_sum"] = labels
        elif isinstance(metric, Gauge):
            exported[metric._name] = labels
    # What the master adds at scrape time.
    for family in metrics.WorkersCollector(lambda: 2).collect():
        exported[family.name] = set()
    return exported


def selectors(query: str) -> list[tuple[str, set[str]]]:
    """(metric name, label names) of every series selector in a PromQL query, parsed."""
    import promql_parser

    found = []

    def visit(node: object) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            labels = {m.name for m in node.matchers.matchers}
            found.append((node.name, labels))

    promql_parser.walk(promql_parser.parse(query), pre_visit=visit)
    return found


def dashboard_and_gate_queries() -> dict[str, str]:
    import json

    import yaml

    from tests.support.databases import REPO_ROOT

    queries = {}
    templates = REPO_ROOT / "infrastructure/flux/apps/realworld/metric-templates.yaml"
    for doc in yaml.safe_load_all(templates.read_text()):
        if doc:
            # Flagger's template variables, as it renders them.
            query = doc["spec"]["query"]
            for variable, value in (("namespace", "realworld"), ("target", "realworld"),
                                    ("interval", "1m")):  # fmt: skip
                query = query.replace("{{ " + variable + " }}", value)
            queries[f"MetricTemplate {doc['metadata']['name']}"] = query
    for path in sorted(
        (REPO_ROOT / "infrastructure/flux/infrastructure/mesh/dashboards").glob("*.json")
    ):
        dashboard = json.loads(path.read_text())
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                queries[f"{path.name}: {panel['title']} {target['refId']}"] = target["expr"]
    return queries


def test_dashboards_and_canary_gates_query_only_metrics_the_app_exports():
    """Every PromQL query of the MetricTemplates and the Grafana dashboards parses and names
    series that really exist: a renamed metric would leave a gate with no data (a failed check
    on every release) or a dashboard panel empty."""
    exported = exported_series()
    queries = dashboard_and_gate_queries()
    assert sum(name.startswith("MetricTemplate") for name in queries) == 4
    assert len(queries) > 2 + 10, sorted(queries)
    app_metrics_used = set()
    for where, query in queries.items():
        found = selectors(query)
        assert found, f"{where}: no series in {query}"
        for name, labels in found:
            if name in LINKERD_PROXY_METRICS:
                assert labels <= SCRAPE_LABELS | LINKERD_LABELS, f"{where}: {labels}"
                continue
            assert name in exported, f"{where}: {name} is not exported by realworld/metrics.py"
            assert labels <= exported[name] | SCRAPE_LABELS, f"{where}: {name} by {labels}"
            app_metrics_used.add(name)
    # The dashboards show every metric the app exports (the histogram by its buckets).
    assert app_metrics_used >= set(exported) - {
        "realworld_http_request_duration_seconds_count",
        "realworld_http_request_duration_seconds_sum",
    }, sorted(set(exported) - app_metrics_used)
