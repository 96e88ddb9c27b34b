"""Logs as production writes them: gunicorn with the production config, JSON lines on stdout and
stderr, each line of a request carrying the request id that its response echoes."""

import json
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.db import connection

from tests.support.databases import url_from_settings
from tests.support.servers import LiveServer, gunicorn_server

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def logged_server(request) -> Iterator[tuple[LiveServer, Path]]:
    log_format = getattr(request, "param", "json")
    with tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False) as log:
        path = Path(log.name)
        env = {"GUNICORN_ACCESS_LOG": "-", "LOG_FORMAT": log_format}
        url = url_from_settings(connection.settings_dict)
        with gunicorn_server(url, env=env, output=log.fileno()) as server:
            yield server, path
    path.unlink()


def lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.strip()]


def access_lines(path: Path) -> list[dict]:
    return [r for r in map(json.loads, lines(path)) if r["logger"] == "gunicorn.access"]


def test_every_line_is_json_and_access_lines_carry_the_request(logged_server):
    server, path = logged_server
    name = f"log{secrets.token_hex(4)}"
    registered = requests.post(
        f"{server.url}/api/users",
        json={"user": {"username": name, "email": f"{name}@example.com", "password": "pw-123456"}},
        headers={"X-Request-ID": "ingress-abc-123"},
        timeout=10,
    )
    assert registered.status_code == 201
    assert registered.headers["X-Request-ID"] == "ingress-abc-123"  # the proxy's id is kept
    token = registered.json()["user"]["token"]
    signed_in = requests.get(
        f"{server.url}/api/user", headers={"Authorization": f"Token {token}"}, timeout=10
    )
    listed = requests.get(f"{server.url}/api/articles?limit=1&secret=hunter2", timeout=10)
    forged = requests.get(
        f"{server.url}/api/tags",
        headers={"X-Request-ID": "bad id; <script>" + "x" * 200},
        timeout=10,
    )
    for response in (signed_in, listed, forged):
        assert response.status_code == 200
        assert len(response.headers["X-Request-ID"]) == 32  # a new id (uuid4 hex)
    assert "script" not in forged.headers["X-Request-ID"]

    server.stop()  # flush everything before reading
    records = [json.loads(line) for line in lines(path)]  # every line parses
    assert {"timestamp", "level", "logger", "message", "request_id"} <= set(records[0])
    by_id = {r["request_id"]: r for r in access_lines(path)}
    assert by_id["ingress-abc-123"]["method"] == "POST"
    assert by_id["ingress-abc-123"]["status"] == 201
    user_line = by_id[signed_in.headers["X-Request-ID"]]
    assert user_line["path"] == "/api/user"
    assert isinstance(user_line["user_id"], int)
    assert user_line["remote_addr"] == "127.0.0.1"
    assert user_line["duration_ms"] >= 0
    list_line = by_id[listed.headers["X-Request-ID"]]
    assert list_line["path"] == "/api/articles"
    assert "hunter2" not in path.read_text(), "query strings are not logged"
    assert by_id[forged.headers["X-Request-ID"]]["user_id"] is None


def test_an_error_is_logged_with_the_request_id_of_its_response(logged_server):
    server, path = logged_server
    response = requests.post(
        f"{server.url}/api/users/login",
        data=b'{"user": ',  # malformed JSON: a 400 the app logs as a warning
        headers={"Content-Type": "application/json", "X-Request-ID": "trace-400"},
        timeout=10,
    )
    assert response.status_code == 400
    server.stop()
    records = [json.loads(line) for line in lines(path)]
    of_request = [r for r in records if r["request_id"] == "trace-400"]
    loggers = {r["logger"] for r in of_request}
    assert "gunicorn.access" in loggers
    assert loggers - {"gunicorn.access"}, f"the app's own line is missing: {of_request}"


@pytest.mark.parametrize("logged_server", ["text"], indirect=True)
def test_text_format_is_for_people(logged_server):
    server, path = logged_server
    response = requests.get(f"{server.url}/api/tags", timeout=10)
    server.stop()
    text = path.read_text()
    assert f"[{response.headers['X-Request-ID']}] GET /api/tags 200" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(lines(path)[0])
