"""The health check of persistent connections (realworld/common/postgresql/base.py): no round
trip for a live connection, a new connection for one the server closed."""

import select
import time

import psycopg
import pytest
from django.db import connection

from tests.support.databases import url_from_settings

pytestmark = pytest.mark.django_db(transaction=True)  # the check may close the connection


def last_statement_of(pid: int) -> str:
    with psycopg.connect(url_from_settings(connection.settings_dict), autocommit=True) as other:
        found = other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return found.fetchone()[0]  # type: ignore[index]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def start_of_request() -> None:
    """What Django does before a request's first query (health_check_done is reset per request)."""
    connection.health_check_done = False  # type: ignore[attr-defined]
    connection.close_if_health_check_failed()


def test_the_engine_is_ours_and_checks_connections():
    assert connection.settings_dict["ENGINE"] == "realworld.common.postgresql"
    assert connection.health_check_enabled


def test_a_live_connection_is_kept_without_a_query():
    pid = backend_pid()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'the last statement before the check'")
    raw = connection.connection
    start_of_request()
    assert connection.connection is raw
    assert connection.health_check_done
    assert last_statement_of(pid) == "SELECT 'the last statement before the check'"


def test_a_connection_the_server_closed_is_replaced_before_the_first_query():
    pid = backend_pid()
    with psycopg.connect(url_from_settings(connection.settings_dict), autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
    poller = select.poll()
    poller.register(connection.connection.fileno(), select.POLLIN)
    deadline = time.monotonic() + 5
    while not poller.poll(50) and time.monotonic() < deadline:
        pass  # the server's goodbye reaches the socket
    start_of_request()
    assert connection.connection is None  # closed by the real check
    assert backend_pid() != pid  # and the request's query runs on a new connection
