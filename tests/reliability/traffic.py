"""The scenarios' traffic: loadtest/locustfile.py, the project's traffic generator, run by locust
in a process of its own with busy users (no think time) and a --run-time, so it stops by itself.

    with Traffic(server.url, users=32, seconds=60) as traffic:  # once every user has started
        ...                                                     # signal the server, etc.
    outcome = traffic.stop()                                    # SIGTERM: locust stops early

A user being stopped finishes its task first (--stop-timeout), so no request is cut off uncounted.

Readers, members and writers as in production (API and web pages, 60/30/10). A failure is what
the locustfile calls one: a connection error (by its exception name), a 5xx, or any status or
body other than the one expected ("status 404").
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tests.support.servers import REPO_ROOT

# The traffic, and the plugin that reports what the scenarios assert on.
LOCUSTFILES = ",".join(
    str(path)
    for path in (
        REPO_ROOT / "loadtest" / "locustfile.py",
        Path(__file__).with_name("locust_outcome.py"),
    )
)
# Failures the way locust names them: CatchResponseError('status 503: ...') for a status the
# locustfile did not expect, ConnectionRefusedError(111, ...) for no response at all.
_STATUS = re.compile(r"^CatchResponseError\('(status \d+)")
_EXCEPTION = re.compile(r"^(\w+)\(")


@dataclass(frozen=True)
class Failure:
    kind: str  # "status 503", "ConnectionRefusedError", ...
    request: str  # the locustfile's name for the request, "GET /api/articles"
    occurrences: int
    first_seen: float  # time.time()
    last_seen: float


def failure_kind(error: str) -> str:
    if status := _STATUS.match(error):
        return status.group(1)
    if exception := _EXCEPTION.match(error):
        return exception.group(1)
    return error


@dataclass(frozen=True)
class Outcome:
    sent: int
    p50_ms: float
    p99_ms: float
    requests: dict[str, int]  # request name -> how many were sent
    failures: list[Failure]

    @property
    def failed(self) -> int:
        return sum(failure.occurrences for failure in self.failures)

    @property
    def errors(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for failure in self.failures:
            counts[failure.kind] += failure.occurrences
        return counts

    @property
    def server_errors(self) -> int:
        return sum(n for kind, n in self.errors.items() if kind.startswith("status 5"))


class Traffic:
    def __init__(self, base_url: str, users: int, *, seconds: float = 60.0) -> None:
        self._workdir = Path(tempfile.mkdtemp(prefix="reliability-locust-"))
        self._outcome_file = self._workdir / "outcome.json"
        self._log = self._workdir / "locust.log"
        self._command = [
            *(sys.executable, "-m", "locust", "-f", LOCUSTFILES, "--headless", "--only-summary"),
            *("--host", base_url, "--users", str(users), "--spawn-rate", str(users)),
            *("--run-time", f"{max(1, round(seconds))}s", "--stop-timeout", "30"),
        ]
        self._env = dict(
            os.environ,
            LOADTEST_THINK_SECONDS="0",
            LOADTEST_MAX_FAILURE_RATIO="1",  # the scenarios judge failures themselves
            RELIABILITY_OUTCOME_FILE=str(self._outcome_file),
        )
        self._outcome: Outcome | None = None

    def __enter__(self) -> "Traffic":
        self._process = subprocess.Popen(
            self._command,
            cwd=REPO_ROOT,
            env=self._env,
            stdout=self._log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        running = self._outcome_file.with_suffix(".running")
        deadline = time.monotonic() + 60
        while not running.exists():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self._process.kill()
                raise RuntimeError(f"locust did not start its users:\n{self.log()}")
            time.sleep(0.1)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log(self) -> str:
        return self._log.read_text(errors="replace")

    def stop(self) -> Outcome:
        """Stops locust now if it is still running; what it counted."""
        if self._outcome is not None:
            return self._outcome
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
        try:
            code = self._process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self._process.kill()
            raise
        if code != 0 or not self._outcome_file.exists():
            raise RuntimeError(f"locust exited with {code}:\n{self.log()}")
        raw = json.loads(self._outcome_file.read_text())
        failures = [
            Failure(
                kind=failure_kind(f["error"]),
                request=f["name"],
                occurrences=f["occurrences"],
                first_seen=f["first_seen"],
                last_seen=f["last_seen"],
            )
            for f in raw["failures"]
        ]
        self._outcome = Outcome(
            raw["sent"], raw["p50_ms"], raw["p99_ms"], raw["requests"], failures
        )
        shutil.rmtree(self._workdir)  # kept, with locust's log, only when something went wrong
        return self._outcome
