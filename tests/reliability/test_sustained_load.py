"""64 busy locust users (readers, members, writers), 60 s: no errors, no connection exhaustion."""

import multiprocessing
import os
import threading
import time

import psycopg
import pytest

from tests.support.databases import database_name, with_database_name
from tests.support.servers import gunicorn_server

from .client import report
from .conftest import seed
from .traffic import Traffic

pytestmark = pytest.mark.reliability
USERS = int(os.environ.get("RELIABILITY_LOAD_CLIENTS", "64"))
DURATION = float(os.environ.get("RELIABILITY_LOAD_SECONDS", "60"))


def count_connections(admin_url: str, name: str) -> int:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name])
        return row.fetchone()[0]  # type: ignore[index]


def test_sustained_mixed_load(database_url, tmp_path):
    # 2 x cores + 1: more workers (and connections) than the default one per core.
    workers = multiprocessing.cpu_count() * 2 + 1
    admin_url = with_database_name(database_url, "postgres")
    name = database_name(database_url)
    with psycopg.connect(admin_url) as conn:
        max_connections = int(conn.execute("SHOW max_connections").fetchone()[0])  # type: ignore[index]
    log = tmp_path / "gunicorn.log"
    with (
        log.open("w") as output,
        gunicorn_server(
            database_url, env={"WEB_CONCURRENCY": str(workers)}, output=output.fileno()
        ) as server,
    ):
        seed(server.url)
        peak, sampling = [0], threading.Event()

        def sample() -> None:
            while not sampling.wait(1.0):
                peak[0] = max(peak[0], count_connections(admin_url, name))

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.monotonic()
        with Traffic(server.url, USERS, seconds=DURATION) as traffic:
            time.sleep(DURATION)
        outcome = traffic.stop()
        elapsed = time.monotonic() - started
        sampling.set()
        sampler.join()
    report(
        "sustained-load-64",
        outcome,
        users=USERS,
        seconds=f"{elapsed:.0f}",
        rps=f"{outcome.sent / elapsed:.0f}",
        workers=workers,
        peak_db_connections=f"{peak[0]}/{max_connections}",
    )
    assert outcome.sent > USERS * 10
    problems = [line for line in log.read_text().splitlines() if "ERROR" in line]
    assert outcome.failed == 0, [*outcome.failures, *problems[:20]]
    assert peak[0] <= workers  # one persistent connection per sync worker, never more
