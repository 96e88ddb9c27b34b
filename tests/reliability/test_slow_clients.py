"""Slow clients (slowloris bodies): 8 connections send a body at 1 byte/s for 15 s while an
ordinary client keeps calling; every ordinary request must still be answered in < 1 s.

Behind ingress-nginx request buffering protects public traffic, but `make run`, compose and
in-cluster clients (the load generator, Flagger's loadtester) reach gunicorn directly.

Measured here (2 cores): 2 sync workers stall: every ordinary request times out (5 s) for as
long as the slow bodies last. The default (gunicorn.conf.py: gthread, 32 connection threads,
Django on one thread per worker: realworld/serving.py) passes, and a client that stops sending
gets a 408 after BODY_READ_TIMEOUT instead of holding its thread.
"""

import os
import socket
import threading
import time
import urllib.parse

import pytest

from realworld.testing.servers import gunicorn_server

from .client import Tally, call, report

pytestmark = pytest.mark.reliability
SLOW_CLIENTS = 8
SECONDS = float(os.environ.get("RELIABILITY_SLOW_SECONDS", "15"))
BUDGET = 1.0  # seconds an ordinary request may take meanwhile


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


def test_slow_bodies_do_not_stall_other_clients(database_url):
    with gunicorn_server(database_url) as server:
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
    slowest = max(tally.latencies)
    report(
        "slow-bodies-8",
        tally,
        slow_clients=SLOW_CLIENTS,
        seconds=SECONDS,
        slowest=f"{slowest * 1000:.0f}ms",
        worker="gthread-32",
    )
    assert tally.ok == tally.sent, "an ordinary request failed while slow bodies were sent"
    assert slowest < BUDGET, f"an ordinary request took {slowest:.2f} s"


def test_a_body_that_stops_coming_gets_408_and_frees_its_thread(database_url):
    with gunicorn_server(database_url, env={"BODY_READ_TIMEOUT": "1"}) as server:
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
