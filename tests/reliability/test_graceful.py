"""Graceful reload (SIGHUP, max_requests recycling) and shutdown (SIGTERM) under load."""

import re
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.servers import gunicorn_server

from .client import Tally, call, report
from .conftest import seed
from .traffic import Traffic

pytestmark = pytest.mark.reliability
USERS = 32  # locust users, each one request at a time on its kept-alive connection
# What a client meets when the server stops taking connections, none of them an answer: refused,
# reset, or (HTTPConnectionClosed) a POST sent on a kept-alive connection the stopping worker
# had just closed; the client retries a GET or DELETE on a new connection, never a POST.
CONNECTION_ERRORS = {"ConnectionRefusedError", "ConnectionResetError", "HTTPConnectionClosed"}


def test_sighup_reload_under_load_loses_nothing(database_url):
    with gunicorn_server(database_url, env={"WEB_CONCURRENCY": "4"}) as server:
        seed(server.url)
        with Traffic(server.url, USERS) as traffic:
            for _ in range(3):
                time.sleep(2)
                server.process.send_signal(signal.SIGHUP)
            time.sleep(2)
        outcome = traffic.stop()
    report("sighup-reload", outcome, reloads=3, users=USERS)
    assert outcome.sent > USERS * 10
    assert outcome.failed == 0, outcome.failures


def test_worker_recycling_under_load_loses_nothing(database_url):
    with tempfile.NamedTemporaryFile("w+", suffix=".log") as log:
        env = {
            "WEB_CONCURRENCY": "4",
            "GUNICORN_MAX_REQUESTS": "100",
            "GUNICORN_MAX_REQUESTS_JITTER": "20",
        }
        with gunicorn_server(database_url, env=env, output=log.fileno()) as server:
            seed(server.url)
            with Traffic(server.url, USERS, seconds=8) as traffic:
                time.sleep(8)
            outcome = traffic.stop()
        restarts = len(re.findall(r"Autorestarting worker", Path(log.name).read_text()))
    report("max-requests-recycle", outcome, worker_restarts=restarts, users=USERS)
    assert restarts >= 3
    assert outcome.failed == 0, outcome.failures


def _router(server_url: str, lag: float, stopped: threading.Event, marks: dict) -> None:
    """Plays the load balancer: polls /readyz and stops routing `lag` s after the first 503."""
    while not stopped.is_set():
        try:
            status, _ = call(server_url, "GET", "/readyz")
        except OSError:
            status = 0
        if status == 503:
            marks["unready"] = time.monotonic()
            time.sleep(lag)  # endpoint removal takes a moment to reach every router
            stopped.set()
            return
        time.sleep(0.05)


def test_sigterm_with_shutdown_delay_loses_nothing(database_url):
    delay, lag = 3.0, 1.0
    env = {"WEB_CONCURRENCY": "4", "GUNICORN_SHUTDOWN_DELAY": str(delay)}
    with gunicorn_server(database_url, env=env) as server:
        seed(server.url)
        stopped, marks = threading.Event(), {}
        router = threading.Thread(target=_router, args=(server.url, lag, stopped, marks))
        with Traffic(server.url, USERS) as traffic:
            time.sleep(2)
            router.start()
            sent_at = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            stopped.wait(timeout=delay + 5)
            outcome = traffic.stop()  # the router no longer sends anything here
            server.process.wait(timeout=40)
            exited_after = time.monotonic() - sent_at
    unready_after = marks["unready"] - sent_at
    report(
        "sigterm-shutdown-delay",
        outcome,
        unready_after=f"{unready_after:.2f}s",
        exit_after=f"{exited_after:.2f}s",
        exit_code=server.process.returncode,
        delay=f"{delay}s",
        router_lag=f"{lag}s",
    )
    assert unready_after < 2  # one /readyz poll through the loaded server
    assert outcome.sent > USERS * 10
    assert outcome.failed == 0, outcome.failures
    assert server.process.returncode == 0
    assert exited_after < delay + 20  # + GUNICORN_GRACEFUL_TIMEOUT


def test_sigterm_completes_a_request_already_accepted(database_url):
    """No delay: a worker that holds a request when SIGTERM arrives answers it in full."""
    with gunicorn_server(database_url, env={"WEB_CONCURRENCY": "2"}) as server:
        parts = urlsplit(server.url)
        body = b'{"user": {"email": "nobody@example.com", "password": "wrong-password"}}'
        with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
            head = (
                f"POST /api/users/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            sock.sendall(head.encode() + body[:10])  # a worker accepts and waits for the rest
            time.sleep(0.5)
            sent_at = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            time.sleep(1.0)
            sock.sendall(body[10:])
            response = b""
            while chunk := sock.recv(65536):
                response += chunk
        server.process.wait(timeout=40)
        exited_after = time.monotonic() - sent_at
    status = int(response.split(b" ", 2)[1])
    complete = response.endswith(b"}")
    tally = Tally(sent=1, ok=int(status < 500 and complete), server_errors=int(status >= 500))
    if not complete:
        tally.errors["IncompleteResponse"] += 1
    report("sigterm-in-flight", tally, status=status, exit_after=f"{exited_after:.2f}s")
    assert status == 401
    assert response.endswith(b"}")
    assert exited_after < 20


def test_sigterm_without_delay_refuses_only_unaccepted_connections(database_url):
    """Without the delay, traffic still arriving after SIGTERM is refused (never a 5xx, never
    a wrong answer): what the preStop sleep / GUNICORN_SHUTDOWN_DELAY exist for."""
    with gunicorn_server(database_url, env={"WEB_CONCURRENCY": "4"}) as server:
        seed(server.url)
        with Traffic(server.url, USERS) as traffic:
            time.sleep(2)
            signalled_at, sent_at = time.time(), time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            server.process.wait(timeout=40)
            exited_after = time.monotonic() - sent_at
            outcome = traffic.stop()
    first_failure = min((f.first_seen for f in outcome.failures), default=None)
    report(
        "sigterm-no-delay",
        outcome,
        exit_after=f"{exited_after:.2f}s",
        first_failure_after=f"{first_failure - signalled_at:.2f}s" if first_failure else "-",
        note="users-keep-sending-until-the-server-has-exited",
    )
    assert outcome.sent > USERS * 10
    assert outcome.server_errors == 0
    assert set(outcome.errors) <= CONNECTION_ERRORS, outcome.failures
    assert first_failure is None or first_failure >= signalled_at  # all answers before SIGTERM
    assert exited_after < 20
