"""PostgreSQL goes away and comes back: fast JSON 503s meanwhile, same processes recover."""

import json
import time

import pytest

from tests.support.databases import create_database
from tests.support.private_postgres import PrivatePostgres
from tests.support.servers import gunicorn_server

from .client import Tally, call, report
from .conftest import migrate, seed

pytestmark = pytest.mark.reliability
WORKERS = 3


@pytest.fixture
def postgres():
    server = PrivatePostgres()
    server.start()
    create_database(server.url)
    migrate(server.url)
    yield server
    server.destroy()


def test_database_outage_and_recovery(postgres):
    env = {"WEB_CONCURRENCY": str(WORKERS), "DB_CONNECT_TIMEOUT": "2"}
    with gunicorn_server(postgres.url, env=env) as server:
        data = seed(server.url, articles=2)
        slug, token = data.slugs[0], data.token
        probes = [
            ("GET", "/api/articles", None, None),
            ("GET", f"/api/articles/{slug}", None, None),
            ("GET", "/api/user", None, token),  # fails inside JWT authentication
            ("POST", f"/api/articles/{slug}/favorite", None, token),
            ("POST", "/api/users/login", {"user": {"email": "a@b.c", "password": "x"}}, None),
        ]
        for method, path, body, auth in probes:  # every worker holds a live connection
            for _ in range(WORKERS):
                assert call(server.url, method, path, body, token=auth)[0] < 500
        pids_before = server.worker_pids()

        postgres.stop("immediate")
        down = Tally()
        slowest = 0.0
        for _ in range(WORKERS * 2):  # reach every worker, with its now-dead connection
            for method, path, body, auth in probes:
                started = time.monotonic()
                status, payload = call(server.url, method, path, body, token=auth)
                slowest = max(slowest, time.monotonic() - started)
                down.sent += 1
                assert status == 503, (path, status, payload)
                assert json.loads(payload) == {
                    "errors": {"database": ["is unavailable; retry shortly"]}
                }
            status, payload = call(server.url, "GET", "/readyz")
            assert (status, json.loads(payload)["status"]) == (503, "unavailable")
            assert call(server.url, "GET", "/healthz")[0] == 200
        assert slowest < 2.0

        back_at = postgres.start()
        recovered_after = None
        while time.monotonic() - back_at < 30:
            statuses = [call(server.url, "GET", "/api/articles")[0] for _ in range(WORKERS * 2)]
            statuses.append(call(server.url, "GET", "/api/user", token=token)[0])
            statuses.append(call(server.url, "GET", "/readyz")[0])
            if set(statuses) == {200}:
                recovered_after = time.monotonic() - back_at
                break
            time.sleep(0.1)
        pids_after = server.worker_pids()
        assert server.process.poll() is None

    report(
        "database-outage",
        down,
        recovered_after=recovered_after,
        json_503=down.sent,
        slowest_503=f"{slowest * 1000:.0f}ms",
        same_workers=pids_before == pids_after,
    )
    assert recovered_after is not None
    assert recovered_after < 10
    assert pids_before == pids_after  # no worker was restarted to get there
