from collections.abc import Callable

import pytest
from django.test import Client

from realworld.users.models import User


@pytest.fixture
def browser() -> Client:
    """A browser with no session: Django's test client, CSRF checks on as in real life."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def signed_in(db: None) -> Callable[[User], Client]:
    def sign_in(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in
