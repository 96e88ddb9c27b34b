"""The web app's sessions (web/sessions.py): Django's rules, read with statements of our own."""

from datetime import timedelta

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from realworld.users.models import User
from realworld.web.sessions import SessionStore
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGNED_IN = b'href="/settings"'


def session_cookie(user: User, backend: str) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    assert session.session_key is not None
    return session.session_key


def browser_with(session_key: str) -> Client:
    client = Client()
    client.cookies["sessionid"] = session_key
    return client


@pytest.mark.parametrize(
    "backend",
    [
        "realworld.web.sessions.SessionBackend",
        "django.contrib.auth.backends.ModelBackend",  # signed in before SessionBackend
    ],
)
def test_a_live_session_signs_its_user_in(backend):
    user = UserFactory()
    page = browser_with(session_cookie(user, backend)).get("/").content
    assert SIGNED_IN in page
    assert user.username.encode() in page


def test_an_expired_session_is_anonymous():
    key = session_cookie(UserFactory(), "realworld.web.sessions.SessionBackend")
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    response = browser_with(key).get("/")
    assert response.status_code == 200
    assert SIGNED_IN not in response.content
    assert b'href="/login"' in response.content


@pytest.mark.parametrize("key", ["no-such-session-key-0123456789ab", "x" * 40, "short"])
def test_an_unknown_or_malformed_session_key_is_anonymous(key):
    response = browser_with(key).get("/")
    assert response.status_code == 200
    assert SIGNED_IN not in response.content


def test_a_deleted_user_is_signed_out():
    gone = UserFactory()
    key = session_cookie(gone, "realworld.web.sessions.SessionBackend")
    assert SIGNED_IN in browser_with(key).get("/").content
    User.objects.filter(pk=gone.pk).delete()
    assert SIGNED_IN not in browser_with(key).get("/").content
