"""Prometheus metrics (prometheus-client), summed over gunicorn's workers.

Each worker writes its samples to files in PROMETHEUS_MULTIPROC_DIR (prometheus-client's
multiprocess mode; gunicorn.conf.py points it at a fresh directory in memory and forgets a
dead worker's live gauges). The gunicorn master serves the sum on METRICS_PORT (default
9100), a port of its own that serves nothing but /metrics and that no Ingress or Service
routes to. Without gunicorn (tests, manage.py) the metrics simply live in the process.

Imported by gunicorn.conf.py in the master, before Django: nothing here imports Django.
"""

import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Histogram, make_wsgi_app, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "realworld_http_requests",
    "HTTP requests answered, by URL name (or route), method and status code",
    ["view", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "realworld_http_request_duration_seconds",
    "Time from the first middleware to the response, by URL name (or route) and method",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
DB_QUERIES = Counter("realworld_db_queries", "SQL statements sent to PostgreSQL")
DB_ERRORS = Counter(
    "realworld_db_errors", "SQL statements that raised, by exception class", ["error"]
)
EXCEPTIONS = Counter(
    "realworld_exceptions", "Exceptions that escaped a view (500s), by class", ["type"]
)
THROTTLED = Counter(
    "realworld_throttled_requests", "Requests refused by an abuse limit, by limit", ["limit"]
)
LOGINS = Counter(
    "realworld_logins", "Login attempts: success, bad_credentials or throttled", ["outcome"]
)


class WorkersCollector(Collector):
    """gunicorn_workers: how many workers the master runs right now (read at scrape time)."""

    def __init__(self, count: Callable[[], int]) -> None:
        self.count = count

    def collect(self) -> Iterable[GaugeMetricFamily]:
        yield GaugeMetricFamily("gunicorn_workers", "gunicorn worker processes", self.count())


def summed_registry(worker_count: Callable[[], int]) -> CollectorRegistry:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(WorkersCollector(worker_count))
    return registry


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # scrapes are not news
        pass


def serve(host: str, port: int, registry: CollectorRegistry) -> WSGIServer:
    """The metrics endpoint on its own port, in a daemon thread: /metrics, and 404 elsewhere."""
    metrics = make_wsgi_app(registry)

    def only_metrics(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/metrics":
            return metrics(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: only /metrics is served here\n"]

    server = make_server(host, port, only_metrics, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
