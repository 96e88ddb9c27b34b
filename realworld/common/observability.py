"""What Django reports to realworld.metrics: requests by view (MetricsMiddleware), SQL statements
and their errors (a database execute wrapper on every connection), escaped exceptions; and the
signal receivers of both metrics and request ids, connected once at start-up (connect())."""

import sys
import time
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception, request_finished
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse

from realworld import metrics
from realworld.common.middleware import clear_request_id

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
PROBES = {"/healthz": "healthz", "/readyz": "readyz"}  # answered before URL resolution


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        # The URL's name where it has one (the web app), else its route ("api/tags").
        if match is None:
            view = PROBES.get(request.path, "unmatched")
        else:
            view = match.view_name if match.url_name else match.route
        method = request.method if request.method in METHODS else "other"
        metrics.REQUESTS.labels(view=view, method=method, status=str(response.status_code)).inc()
        metrics.REQUEST_SECONDS.labels(view=view, method=method).observe(
            time.perf_counter() - started
        )
        return response


def count_statement(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
    metrics.DB_QUERIES.inc()
    try:
        return execute(sql, params, many, context)
    except Exception as error:
        metrics.DB_ERRORS.labels(error=type(error).__name__).inc()
        raise


def _on_connection(connection: Any, **_: Any) -> None:
    if count_statement not in connection.execute_wrappers:
        connection.execute_wrappers.append(count_statement)


def _on_exception(**_: Any) -> None:
    error = sys.exc_info()[1]
    metrics.EXCEPTIONS.labels(type=type(error).__name__ if error else "unknown").inc()


def connect() -> None:
    connection_created.connect(_on_connection, dispatch_uid="realworld.metrics.db")
    got_request_exception.connect(_on_exception, dispatch_uid="realworld.metrics.exceptions")
    request_finished.connect(clear_request_id, dispatch_uid="realworld.clear_request_id")
