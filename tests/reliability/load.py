"""A small closed-loop load generator for the reliability scenarios (loopback only, bounded).

Each client is a thread that sends one request at a time on a fresh connection (gunicorn's sync
workers close the connection after every response) and stops by itself at its deadline or when
told to. Anything that is not a complete HTTP response below 500 counts as failed.
"""

import http.client
import itertools
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

Request = tuple[str, str, dict | None]  # method, path, JSON body


@dataclass
class Tally:
    sent: int = 0
    ok: int = 0
    server_errors: int = 0
    errors: Counter = field(default_factory=Counter)  # exception name -> count
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def failed(self) -> int:
        return self.server_errors + sum(self.errors.values())

    def p(self, quantile: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))] if ordered else 0.0


def call(
    base_url: str,
    method: str,
    path: str,
    body: dict | None = None,
    *,
    token: str | None = None,
    timeout: float = 30,
) -> tuple[int, bytes]:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    try:
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Load:
    """`clients` threads sending requests from `next_request` until `stop()` or `duration`."""

    def __init__(
        self,
        base_url: str,
        clients: int,
        next_request: Callable[[random.Random], Request],
        *,
        token: str | None = None,
        duration: float = 60.0,
        stop_on_error: bool = False,
    ) -> None:
        self.base_url = base_url
        self.next_request = next_request
        self.token = token
        self.stop_on_error = stop_on_error  # a client gives up at its first connection error
        self.tally = Tally()
        self.deadline = time.monotonic() + duration
        self._stop = threading.Event()
        self._seeds = itertools.count(1)
        self._threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]

    def __enter__(self) -> "Load":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> Tally:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)
        return self.tally

    def _client(self) -> None:
        rng = random.Random(next(self._seeds))
        tally = self.tally
        while not self._stop.is_set() and time.monotonic() < self.deadline:
            method, path, body = self.next_request(rng)
            started = time.monotonic()
            try:
                status, _ = call(self.base_url, method, path, body, token=self.token)
            except Exception as error:  # connection refused/reset, timeout, truncated response
                with tally.lock:
                    tally.sent += 1
                    tally.errors[type(error).__name__] += 1
                if self.stop_on_error:
                    return
                continue
            with tally.lock:
                tally.sent += 1
                tally.latencies.append(time.monotonic() - started)
                if status >= 500:
                    tally.server_errors += 1
                else:
                    tally.ok += 1


def report(
    scenario: str, tally: Tally, recovered_after: float | None = None, **extra: object
) -> str:
    recovered = f"{recovered_after:.2f}s" if recovered_after is not None else "-"
    details = " ".join(f"{key}={value}" for key, value in extra.items())
    errors = ",".join(f"{k}:{v}" for k, v in sorted(tally.errors.items())) or "none"
    line = (
        f"RELIABILITY {scenario:<22} sent={tally.sent:<6} failed={tally.failed:<4} "
        f"5xx={tally.server_errors:<4} recovered_after={recovered:<7} "
        f"p50={tally.p(0.5) * 1000:.0f}ms p99={tally.p(0.99) * 1000:.0f}ms "
        f"connection_errors={errors} {details}"
    )
    print(line, flush=True)
    return line
