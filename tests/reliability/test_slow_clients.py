"""Slow clients (slowloris bodies): 8 connections send a body at 1 byte/s for 15 s while an
ordinary client keeps calling; every ordinary request must still be answered in < 1 s.

Behind the cluster's edge (Envoy buffers whole bodies) a slow client never reaches gunicorn, so
the default there is 2 sync workers, the fastest model (docs/benchmarks.md#serving-models).
Exposed directly (compose, a server without a buffering proxy) the switch is
GUNICORN_WORKER_CLASS=gthread: 32 connection threads, Django on one thread per worker
(realworld/serving.py). These scenarios pin the model they are about, whatever the run's
GUNICORN_WORKER_CLASS: with gthread every ordinary request is answered in time, and a client
that stops sending gets a 408 after BODY_READ_TIMEOUT instead of holding its thread; with sync
workers, why the switch exists, ordinary requests time out while the slow bodies last.
"""

import os
import socket
import threading
import time
import urllib.parse

import pytest

from tests.support.servers import gunicorn_server

from .client import Tally, call, report

pytestmark = pytest.mark.reliability
SLOW_CLIENTS = 8
SECONDS = float(os.environ.get("RELIABILITY_SLOW_SECONDS", "15"))
BUDGET = 1.0  # seconds an ordinary request may take meanwhile
# The slow-client defence: what compose and any directly exposed server run.
DIRECT = {"GUNICORN_WORKER_CLASS": "gthread", "GUNICORN_THREADS": "32"}
SYNC = {"GUNICORN_WORKER_CLASS": "sync", "GUNICORN_THREADS": "1"}


def slow_body(url: str, stop: threading.Event, sent: list[int]) -> None:
    """POST /api/users/login announcing 1 kB of body, then one byte a second."""
    parts = urllib.parse.urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=SECONDS + 10) as sock:
        sock.sendall(
            b"POST /api/users/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1024\r\n\r\n"
        )
        while not stop.is_set():
            try:
                sock.sendall(b" ")
            except OSError:
                return  # the server gave up on us: fine
            sent[0] += 1
            stop.wait(1.0)


def ordinary_calls_beside_slow_bodies(database_url: str, env: dict[str, str]) -> Tally:
    """GET /api/tags every 0.1 s for SECONDS while SLOW_CLIENTS send their bodies at 1 byte/s."""
    with gunicorn_server(database_url, env=env) as server:
        stop = threading.Event()
        sent = [0]
        attackers = [
            threading.Thread(target=slow_body, args=(server.url, stop, sent), daemon=True)
            for _ in range(SLOW_CLIENTS)
        ]
        for thread in attackers:
            thread.start()
        time.sleep(1.0)  # every slow connection is open and holding its request
        tally = Tally()
        deadline = time.monotonic() + SECONDS
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                status, _ = call(server.url, "GET", "/api/tags", timeout=BUDGET * 5)
            except OSError as error:  # timed out: the server is stalled
                tally.errors[type(error).__name__] += 1
                status = 0
            tally.sent += 1
            tally.latencies.append(time.monotonic() - started)
            if status == 200:
                tally.ok += 1
            time.sleep(0.1)
        stop.set()
        for thread in attackers:
            thread.join(timeout=5)
    return tally


def test_slow_bodies_do_not_stall_other_clients(database_url):
    tally = ordinary_calls_beside_slow_bodies(database_url, DIRECT)
    slowest = max(tally.latencies)
    report(
        "slow-bodies-8",
        tally,
        slow_clients=SLOW_CLIENTS,
        seconds=SECONDS,
        slowest=f"{slowest * 1000:.0f}ms",
        serving="gthread-32",
    )
    assert tally.ok == tally.sent, "an ordinary request failed while slow bodies were sent"
    assert slowest < BUDGET, f"an ordinary request took {slowest:.2f} s"


def test_sync_workers_stall_under_slow_bodies_which_is_why_the_switch_exists(database_url):
    """The documented reason the default is only safe behind a buffering edge."""
    tally = ordinary_calls_beside_slow_bodies(database_url, SYNC)
    report("slow-bodies-8-sync", tally, slow_clients=SLOW_CLIENTS, serving="sync")
    stalled = sum(tally.errors.values())
    assert stalled > 0, "sync workers kept up with slow bodies: the documented reason is stale"
    assert tally.ok < tally.sent


def test_a_body_that_stops_coming_gets_408_and_frees_its_thread(database_url):
    with gunicorn_server(database_url, env={**DIRECT, "BODY_READ_TIMEOUT": "1"}) as server:
        parts = urllib.parse.urlsplit(server.url)
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
            sock.sendall(
                b"POST /api/users/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
            )
            started = time.monotonic()
            answer = b""
            while chunk := sock.recv(4096):
                answer += chunk
            waited = time.monotonic() - started
        status, _ = call(server.url, "GET", "/api/tags", timeout=5)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert b'{"errors":{"body":["was not received in time"]}}' in answer
    assert 0.9 < waited < 5, f"answered after {waited:.2f} s"
    assert status == 200


def _read_response(sock: socket.socket) -> tuple[bytes, float]:
    """Headers and body of one response (the connection may stay open), and when it came."""
    started = time.monotonic()
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data, time.monotonic() - started


def test_after_a_408_the_connection_is_closed(database_url):
    """gunicorn drops a Connection header the application sets (hop-by-hop), so a 408 went out
    keep-alive with the rest of the body unread, and the next bytes on that connection were
    read as the rest of the old body, then as a request. The server must close it."""
    with gunicorn_server(database_url, env={**DIRECT, "BODY_READ_TIMEOUT": "1"}) as server:
        parts = urllib.parse.urlsplit(server.url)
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
            sock.sendall(
                b"POST /api/users/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
            )
            answer, _ = _read_response(sock)
            assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
            assert b"\r\nConnection: close\r\n" in answer, answer[:300]
            # What follows on this connection is never served.
            try:
                sock.sendall(b" " * 99 + b"GET /api/tags HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                sock.settimeout(3)
                rest = b""
                while chunk := sock.recv(4096):
                    rest += chunk
            except (ConnectionResetError, BrokenPipeError):
                rest = b""
            assert b"HTTP/1.1 200" not in rest, rest[:200]


def test_the_whole_body_read_is_bounded_not_only_each_wait(database_url):
    """A client that sends one byte just before every BODY_READ_TIMEOUT would hold its
    connection thread for as long as it likes: BODY_TOTAL_TIMEOUT bounds the whole body."""
    env = {**DIRECT, "BODY_READ_TIMEOUT": "2", "BODY_TOTAL_TIMEOUT": "3"}
    with gunicorn_server(database_url, env=env) as server:
        parts = urllib.parse.urlsplit(server.url)
        with socket.create_connection((parts.hostname, parts.port), timeout=20) as sock:
            sock.sendall(
                b"POST /api/users/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            )
            started = time.monotonic()
            sock.settimeout(0.5)
            answer = b""
            while b"\r\n\r\n" not in answer and time.monotonic() - started < 15:
                try:
                    sock.sendall(b" ")  # one byte every half second: never 2 s of silence
                    answer += sock.recv(4096)
                except TimeoutError:
                    continue
                except OSError:
                    break
            waited = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert 2.5 < waited < 6, f"answered after {waited:.2f} s"
