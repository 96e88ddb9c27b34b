"""One request on its own connection, and the one-line report every scenario prints."""

import http.client
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit


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


class Counted(Protocol):
    """What a scenario's report prints: a Tally (requests a test sent itself) or an Outcome
    (traffic.py: what locust sent)."""

    sent: int

    @property
    def failed(self) -> int: ...
    @property
    def server_errors(self) -> int: ...
    @property
    def errors(self) -> Counter[str]: ...
    @property
    def p50_ms(self) -> float: ...
    @property
    def p99_ms(self) -> float: ...


@dataclass
class Tally:
    """Requests a scenario sends one by one with `call`."""

    sent: int = 0
    ok: int = 0
    server_errors: int = 0
    errors: Counter[str] = field(default_factory=Counter)  # exception name -> count
    latencies: list[float] = field(default_factory=list)  # seconds

    @property
    def failed(self) -> int:
        return self.server_errors + sum(self.errors.values())

    def _quantile_ms(self, quantile: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))] * 1000 if ordered else 0

    @property
    def p50_ms(self) -> float:
        return self._quantile_ms(0.5)

    @property
    def p99_ms(self) -> float:
        return self._quantile_ms(0.99)


def report(
    scenario: str, counted: Counted, recovered_after: float | None = None, **extra: object
) -> str:
    recovered = f"{recovered_after:.2f}s" if recovered_after is not None else "-"
    # `make reliability` runs every scenario under each serving model (GUNICORN_WORKER_CLASS).
    extra.setdefault("serving", os.environ.get("GUNICORN_WORKER_CLASS") or "default")
    details = " ".join(f"{key}={value}" for key, value in extra.items())
    errors = ",".join(f"{k}:{v}" for k, v in sorted(counted.errors.items())) or "none"
    line = (
        f"RELIABILITY {scenario:<22} sent={counted.sent:<6} failed={counted.failed:<4} "
        f"5xx={counted.server_errors:<4} recovered_after={recovered:<7} "
        f"p50={counted.p50_ms:.0f}ms p99={counted.p99_ms:.0f}ms "
        f"errors={errors} {details}"
    )
    print(line, flush=True)
    return line
