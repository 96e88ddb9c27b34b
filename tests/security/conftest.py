"""Fixtures for the security tests: a gunicorn server on the test database."""

import os
from collections.abc import Iterator

import pytest
from django.db import connection

from tests.support.databases import with_database_name
from tests.support.servers import LiveServer, gunicorn_server


def database_url_for_tests() -> str:
    """DATABASE_URL pointed at pytest-django's test database (migrated, flushed per test)."""
    return with_database_name(os.environ["DATABASE_URL"], connection.settings_dict["NAME"])


@pytest.fixture
def server_on_test_db(transactional_db: None) -> Iterator[LiveServer]:
    with gunicorn_server(database_url_for_tests()) as server:
        yield server
