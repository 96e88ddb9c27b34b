"""Fixtures shared by every test: API clients, signed-in users, a live gunicorn server."""

from collections.abc import Callable, Iterator

import pytest
from rest_framework.test import APIClient

from realworld.users.models import User
from realworld.users.tokens import user_token
from tests.support.databases import url_from_settings
from tests.support.factories import UserFactory
from tests.support.servers import gunicorn_server


@pytest.fixture(scope="session", autouse=True)
def collected_static() -> None:
    """Pages name their assets by content hash: the manifest must exist before any renders."""
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture
def api_client() -> APIClient:
    """An anonymous API client (DRF's, JSON by default); pytest-django's `client` is Django's."""
    return APIClient()


@pytest.fixture
def user(db: None) -> User:
    return UserFactory()


def client_for(user: User) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {user_token(user=user)}")
    return api


@pytest.fixture
def auth_client(user: User) -> APIClient:
    return client_for(user)


@pytest.fixture
def make_client(db: None) -> Callable[[User], APIClient]:
    return client_for


LIVE_SERVER_ENV = {"CORS_ALLOWED_ORIGINS": "http://localhost:4200"}


@pytest.fixture(scope="session")
def live_server_url(django_db_setup: None, django_db_blocker) -> Iterator[str]:
    """gunicorn with the production config, serving the test database over real HTTP."""
    from django.db import connection

    with (
        django_db_blocker.unblock(),
        gunicorn_server(url_from_settings(connection.settings_dict), env=LIVE_SERVER_ENV) as server,
    ):
        yield server.url
