"""Failures the server cannot answer well still leave a log line that explains them, and the
answer is the app's own, never gunicorn's bare page (realworld/last_resort.py). gunicorn with
the production config, over real HTTP."""

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.db import connection

from tests.support.databases import url_from_settings
from tests.support.servers import LiveServer, gunicorn_server

pytestmark = pytest.mark.django_db(transaction=True)

GUNICORN_BARE_PAGE = "<h1><p>Internal Server Error</p></h1>"


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_a_production_start_without_the_static_manifest_refuses_to_start(tmp_path: Path):
    """Without `collectstatic`, every page would fail: the server does not start, and says in
    one line what to run and where the files must be."""
    empty = tmp_path / "static"
    empty.mkdir()
    log = tmp_path / "server.log"
    refused = pytest.raises(RuntimeError, match="exited early with code 3")
    with log.open("w") as output, refused:
        server = gunicorn_server(
            url_from_settings(connection.settings_dict),
            # One worker: with two failing at once, gunicorn's master exited with 1 instead of
            # its boot-error code 3 on some starts.
            env={"STATIC_ROOT": str(empty), "WEB_CONCURRENCY": "1"},
            output=output.fileno(),
        )
        with server:
            pass
    explained = [
        r
        for r in records(log)
        if r["level"] == "CRITICAL"
        and "collectstatic" in r["message"]
        and str(empty) in r["message"]
    ]
    assert explained, log.read_text()
    assert "STATIC_ROOT" in explained[0]["message"]
    assert not any("Traceback" in str(r) for r in explained)


@pytest.fixture
def crashing_server() -> Iterator[tuple[LiveServer, Path]]:
    with tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False) as log:
        path = Path(log.name)
        env = {
            "DJANGO_SETTINGS_MODULE": "tests.support.crash_settings",
            "GUNICORN_ACCESS_LOG": "-",
            "LOG_FORMAT": "json",
        }
        url = url_from_settings(connection.settings_dict)
        with gunicorn_server(url, env=env, output=log.fileno()) as server:
            yield server, path
    path.unlink()


def _errors_of(path: Path, request_id: str) -> list[dict]:
    return [
        r
        for r in records(path)
        if r["logger"] != "gunicorn.access"
        and r["level"] in ("ERROR", "CRITICAL")
        and r.get("request_id") == request_id
    ]


@pytest.mark.parametrize(
    ("path", "api"),
    [
        ("/test-crash", False),  # a view fails; Django's error page answers
        ("/test-crash/error-page", False),  # the error page fails too
        ("/api/test-crash", True),
        ("/api/test-crash/error-page", True),
    ],
)
def test_every_unhandled_error_leaves_one_line_and_the_apps_own_answer(
    crashing_server: tuple[LiveServer, Path], path: str, api: bool
):
    server, log = crashing_server
    response = requests.get(f"{server.url}{path}", headers={"X-Request-ID": "crash-1"}, timeout=10)
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "crash-1"
    assert GUNICORN_BARE_PAGE not in response.text
    if api:
        assert response.json() == {"errors": {"server": ["had an unexpected error"]}}
    else:
        assert response.headers["Content-Type"].startswith("text/html")
        assert "Something broke" in response.text
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    server.stop()  # flushes every line

    (error,) = _errors_of(log, "crash-1")
    assert "Traceback" in error["exc_info"]
    assert "DeliberateError" in error["exc_info"]
    assert path in error["message"]
    access = [
        r for r in records(log) if r["logger"] == "gunicorn.access" and r["request_id"] == "crash-1"
    ]
    assert [(a["path"], a["status"]) for a in access] == [(path, 500)]
