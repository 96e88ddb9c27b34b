from collections.abc import Callable, Iterator

import pytest
from django.core.cache import caches
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


@pytest.fixture
def empty_content_cache() -> Iterator[None]:
    """The per-process cache of pages and fragments, empty before and after the test."""
    caches["content"].clear()
    yield
    caches["content"].clear()
