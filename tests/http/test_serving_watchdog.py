"""The serving watchdog (realworld/serving.py): a request that holds the Django thread too long
ends the worker, but waiting for the thread behind others is load, not a hang; past the queue
limit, new work is refused with a 503 at once. gunicorn with the production config in its
direct-exposure mode (GUNICORN_WORKER_CLASS=gthread), one worker, GUNICORN_TIMEOUT=1, over real
HTTP."""

import json
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.db import connection

from tests.support.databases import url_from_settings
from tests.support.servers import LiveServer, gunicorn_server

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def one_worker(request) -> Iterator[tuple[LiveServer, Path]]:
    with tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False) as log:
        path = Path(log.name)
        env = {
            "DJANGO_SETTINGS_MODULE": "tests.support.crash_settings",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_WORKER_CLASS": "gthread",
            "GUNICORN_THREADS": "32",
            "GUNICORN_TIMEOUT": "1",
            "GUNICORN_QUEUE_LIMIT": str(getattr(request, "param", 32)),
        }
        url = url_from_settings(connection.settings_dict)
        with gunicorn_server(url, env=env, output=log.fileno()) as server:
            yield server, path
    path.unlink()


def _concurrently(server: LiveServer, count: int, ms: int) -> list[requests.Response]:
    def one(_: int) -> requests.Response:
        return requests.get(f"{server.url}/api/test-sleep?ms={ms}", timeout=30)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def _restarts(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if "held Django" in line]


def test_waiting_behind_others_is_not_a_hang(one_worker: tuple[LiveServer, Path]):
    """8 requests of 0.3 s at once take 2.4 s in turn on one Django thread; each runs for
    0.3 s, well inside the 1 s limit, so the worker lives and all are answered."""
    server, log = one_worker
    workers = server.worker_pids()
    responses = _concurrently(server, 8, 300)
    assert [r.status_code for r in responses] == [200] * 8
    assert server.worker_pids() == workers, "a worker was restarted"
    assert not _restarts(log)


def test_a_request_that_holds_django_too_long_ends_the_worker(one_worker):
    server, log = one_worker
    workers = server.worker_pids()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server.url}/api/test-sleep?ms=2500", timeout=30)
    server.wait_ready()
    assert server.worker_pids().isdisjoint(workers), "the hung worker still runs"
    server.stop()
    (line,) = _restarts(log)
    assert json.loads(line)["level"] == "CRITICAL"
    assert "/api/test-sleep" in line


@pytest.mark.parametrize("one_worker", [2], indirect=True)
def test_past_the_queue_limit_new_work_is_refused_at_once(one_worker):
    """One request runs, two may wait: of 8 sent together, the rest get a 503 with
    Retry-After at once (JSON under /api), and the worker lives."""
    server, log = one_worker
    workers = server.worker_pids()
    responses = _concurrently(server, 8, 400)
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) >= 3, statuses
    assert statuses.count(503) >= 1, statuses
    assert set(statuses) == {200, 503}, statuses
    busy = next(r for r in responses if r.status_code == 503)
    assert busy.headers["Retry-After"] == "1"
    assert busy.json() == {"errors": {"server": ["is busy: retry in a moment"]}}
    assert busy.elapsed.total_seconds() < 0.4, "refused without waiting its turn"
    assert server.worker_pids() == workers
    assert not _restarts(log)
