"""Start gunicorn with the project's production config, for tests over real HTTP."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TEST_SECRET_KEY = "test-secret-key-for-local-servers-only-0123456789"
# Every abuse limit (settings.THROTTLE_RATES), as env var names: lifted for test traffic.
LIMITS = (
    "LOGIN_IP",
    "LOGIN_ACCOUNT",
    "REGISTER_IP",
    "REGISTER_ACCOUNT",
    "ARTICLE_WRITE",
    "COMMENT_WRITE",
    "SOCIAL_WRITE",
)
LIFTED_LIMITS = {f"THROTTLE_{scope}_RATE": "1000000/min" for scope in LIMITS}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    process: subprocess.Popen[bytes]
    url: str
    metrics_url: str = ""  # the master's /metrics, when METRICS_PORT is on

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early with code {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as response:  # noqa: S310  # nosec B310
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"gunicorn at {self.url} was not ready within {timeout} s")

    def worker_pids(self) -> set[int]:
        """The gunicorn workers: the arbiter's children, as Linux lists them."""
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return {int(pid) for pid in children}

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 40.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def server_environment(database_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "realworld.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": TEST_SECRET_KEY,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "GUNICORN_ACCESS_LOG": "",
            "WEB_CONCURRENCY": env.get("WEB_CONCURRENCY", "2"),
            # Every test server serves its metrics, each on a port of its own.
            "METRICS_PORT": str(free_port()),
        }
    )
    # Test traffic comes from one address: lift the abuse limits unless a test sets its own
    # (the throttling tests do).
    for name, rate in LIFTED_LIMITS.items():
        env.setdefault(name, rate)
    env.update(extra or {})
    return env


@contextmanager
def gunicorn_server(
    database_url: str,
    *,
    env: Mapping[str, str] | None = None,
    args: tuple[str, ...] = (),
    output: int | None = subprocess.DEVNULL,
    app: str = "realworld.wsgi:application",
    root: Path = REPO_ROOT,
) -> Iterator[LiveServer]:
    """gunicorn on a free loopback port with gunicorn.conf.py; stopped (SIGTERM) on exit.

    `app` is the project by default; the benchmark serves its bare-WSGI ceiling the same way.
    `root` is the checkout served (scripts/bench/revisions.py serves an older one beside it).
    """
    port = free_port()
    environment = server_environment(database_url, env)
    environment.update({"PORT": str(port), "GUNICORN_BIND_HOST": "127.0.0.1"})
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(root / "gunicorn.conf.py"),
        *args,
        app,
    ]
    process = subprocess.Popen(command, cwd=root, env=environment, stdout=output, stderr=output)
    metrics_port = environment.get("METRICS_PORT", "")
    server = LiveServer(
        process=process,
        url=f"http://127.0.0.1:{port}",
        metrics_url=f"http://127.0.0.1:{metrics_port}/metrics" if metrics_port else "",
    )
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
