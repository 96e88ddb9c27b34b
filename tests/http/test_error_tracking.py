"""Sentry as production runs it: gunicorn with SENTRY_DSN pointing at a fake Sentry (a local
HTTP server that keeps the envelopes the SDK's real transport posts). An unhandled error
arrives with its request id, release and environment, and nothing secret goes with it."""

import gzip
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import brotli  # the SDK compresses with brotli when it can import it (dev tools do)
import pytest
import requests
import sentry_sdk
from django.db import connection

from tests.support.databases import url_from_settings
from tests.support.servers import gunicorn_server

pytestmark = pytest.mark.django_db(transaction=True)

SECRET_TOKEN = "Token not-a-real-token-but-secret-0123456789"


class FakeSentry(ThreadingHTTPServer):
    """Accepts POST /api/<project>/envelope/ and keeps each envelope's items."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), EnvelopeHandler)
        self.raw: list[bytes] = []
        self.items: list[tuple[dict[str, Any], dict[str, Any]]] = []

    @property
    def dsn(self) -> str:
        return f"http://public-key@127.0.0.1:{self.server_address[1]}/1"

    def events(self) -> list[dict[str, Any]]:
        return [payload for header, payload in self.items if header.get("type") == "event"]


class EnvelopeHandler(BaseHTTPRequestHandler):
    server: FakeSentry

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        decompress = {"": bytes, "gzip": gzip.decompress, "br": brotli.decompress}[encoding]
        body = decompress(body)
        self.server.raw.append(body)
        lines = body.split(b"\n")
        # An envelope: its header, then (item header, item payload) pairs, one JSON per line.
        for header_line, payload_line in zip(lines[1::2], lines[2::2], strict=False):
            self.server.items.append((json.loads(header_line), json.loads(payload_line)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def fake_sentry() -> Iterator[FakeSentry]:
    server = FakeSentry()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_an_unhandled_error_reaches_sentry_with_its_request_id(fake_sentry: FakeSentry):
    env = {
        "DJANGO_SETTINGS_MODULE": "tests.support.crash_settings",
        "SENTRY_DSN": fake_sentry.dsn,
        "REALWORLD_VERSION": "9.8.7",
        "DJANGO_ENV": "production",
    }
    with gunicorn_server(url_from_settings(connection.settings_dict), env=env) as server:
        ordinary = requests.get(f"{server.url}/api/tags", timeout=10)
        assert ordinary.status_code == 200
        crashed = requests.get(
            f"{server.url}/api/test-crash",
            headers={"Authorization": SECRET_TOKEN, "Cookie": "sessionid=secret-session"},
            timeout=10,
        )
        deadline = time.monotonic() + 15
        while not fake_sentry.events() and time.monotonic() < deadline:
            time.sleep(0.1)

    assert crashed.status_code == 500
    assert crashed.headers["Content-Type"].startswith("application/json")
    events = fake_sentry.events()
    assert len(events) == 1, events  # the 200 sent nothing
    event = events[0]
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "DeliberateError"
    assert exception["value"] == "deliberate failure for the error-tracking test"
    assert event["tags"]["request_id"] == crashed.headers["X-Request-ID"]
    assert event["release"] == "9.8.7"
    assert event["environment"] == "production"
    assert event["request"]["url"].endswith("/api/test-crash")
    raw = b"".join(fake_sentry.raw)
    assert b"not-a-real-token" not in raw
    assert b"secret-session" not in raw


def _wait_for(fake_sentry: FakeSentry, count: int) -> None:
    deadline = time.monotonic() + 15
    while len(fake_sentry.events()) < count and time.monotonic() < deadline:
        time.sleep(0.1)


def test_no_secret_reaches_sentry_from_the_frames_that_hold_them(fake_sentry: FakeSentry):
    """Errors raised where a password, a JWT or the Authorization header are local variables:
    the token check, the login and registration services (crash_urls.py), and a database error
    the API answers with a 503 and logs. Sentry's scrubber blanks only variables whose *name*
    it knows, not a password inside a dict or a serializer's repr, so the frames' local
    variables must not be sent at all; the request id still is."""
    env = {
        "DJANGO_SETTINGS_MODULE": "tests.support.crash_settings",
        "SENTRY_DSN": fake_sentry.dsn,
        "DJANGO_ENV": "production",
    }
    password = "Sentry-Must-Never-See-This-0123"
    json_body = {"Content-Type": "application/json"}
    with gunicorn_server(url_from_settings(connection.settings_dict), env=env) as server:
        api = f"{server.url}/api"
        user = {"username": "sentry-reader", "email": "reader@example.com", "password": password}
        registered = requests.post(f"{api}/users", json={"user": user}, timeout=10)
        assert registered.status_code == 201, registered.text
        token = registered.json()["user"]["token"]
        crashed = [
            # the token check: `header` and `raw` hold the JWT
            requests.get(
                f"{api}/user",
                headers={"Authorization": f"Token {token}", "Cookie": "sessionid=secret-session"},
                timeout=10,
            ),
            # the login service: its arguments and the view's serializer hold the password
            requests.post(
                f"{api}/users/login",
                json={"user": {"email": "crash@example.com", "password": password}},
                headers=json_body,
                timeout=10,
            ),
            # registration: the validated `data` dict holds the password
            requests.post(
                f"{api}/users",
                json={"user": {**user, "username": "crash-user", "email": "c@example.com"}},
                timeout=10,
            ),
            # a database error, logged with its traceback by the exception handler
            requests.post(
                f"{api}/users/login",
                json={"user": {"email": "dberror@example.com", "password": password}},
                timeout=10,
            ),
        ]
        _wait_for(fake_sentry, 4)

    assert [r.status_code for r in crashed] == [500, 500, 500, 503], [r.text for r in crashed]
    events = fake_sentry.events()
    assert len(events) == 4, [e.get("exception") for e in events]
    request_ids = {r.headers["X-Request-ID"] for r in crashed}
    assert {e["tags"]["request_id"] for e in events} == request_ids
    raw = b"".join(fake_sentry.raw)
    for secret in (password, token, "secret-session"):
        assert secret.encode() not in raw, f"{secret[:12]}... reached Sentry"
    for event in events:
        frames = [
            frame
            for value in event["exception"]["values"]
            for frame in (value.get("stacktrace") or {}).get("frames", [])
        ]
        assert frames, "the event still carries its stack trace"
        assert not [f for f in frames if f.get("vars")], "no frame's local variables"


def test_without_a_dsn_there_is_no_sentry_client():
    """The test settings, like `make run`, set no SENTRY_DSN: nothing is sent anywhere."""
    assert not sentry_sdk.is_initialized()
