"""The token a signed-in page hands its scripts (`window.__conduit_debug__`, localStorage
`jwtToken`) dies with that page's web session, and only that token: the user's API tokens on
other devices keep working (users/tokens.py, `sid`)."""

import json
import re

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from realworld.common import messages
from realworld.users.selectors import LIVE_SESSION_BY_DIGEST
from tests.support.factories import PASSWORD, UserFactory

from .test_returning_and_privacy import csrf_token, sign_in_through

pytestmark = pytest.mark.django_db


def page_token(browser) -> str:
    page = browser.get("/settings").content.decode()
    state = re.search(r'<script id="conduit-state" type="application/json">(.*?)</script>', page)
    assert state is not None, "the page carries no conduit-state"
    return json.loads(state.group(1))["user"]["token"]


def api_get_user(client, token: str):
    return client.get("/api/user", HTTP_AUTHORIZATION=f"Token {token}")


def sign_out(browser) -> None:
    form = browser.get("/settings")
    assert browser.post("/logout", {"csrfmiddlewaretoken": csrf_token(form)}).status_code == 302


@pytest.fixture
def reader():
    return UserFactory(email="reader@example.com")


def test_the_page_token_works_until_the_sign_out_then_is_refused(browser, client, reader):
    assert sign_in_through(browser, "/login", reader.email).status_code == 302
    token = page_token(browser)
    assert api_get_user(client, token).status_code == 200

    sign_out(browser)

    refused = api_get_user(client, token)
    assert refused.status_code == 401
    assert refused.json() == {"errors": {"token": [messages.TOKEN_SIGNED_OUT]}}


def test_the_web_sign_out_leaves_the_users_api_tokens_alone(browser, client, reader):
    login = {"user": {"email": reader.email, "password": PASSWORD}}
    other_device = client.post("/api/users/login", login, content_type="application/json")
    api_token = other_device.json()["user"]["token"]
    sign_in_through(browser, "/login", reader.email)

    sign_out(browser)

    assert api_get_user(client, api_token).status_code == 200


def test_the_page_token_dies_when_its_session_expires(browser, client, reader):
    sign_in_through(browser, "/login", reader.email)
    token = page_token(browser)
    key = browser.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now())

    assert api_get_user(client, token).status_code == 401


def test_a_token_renewed_by_a_change_made_with_a_page_token_stays_bound(browser, client, reader):
    sign_in_through(browser, "/login", reader.email)
    renewed = client.put(
        "/api/user",
        {"user": {"bio": "changed from the page's token"}},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {page_token(browser)}",
    )
    assert renewed.status_code == 200

    sign_out(browser)

    assert api_get_user(client, renewed.json()["user"]["token"]).status_code == 401


def test_the_session_lookup_uses_its_index():
    """The digest expression must be the one users migration 0003 indexes: a mismatch would
    still answer right, by reading the whole sessions table on every such API call."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {LIVE_SESSION_BY_DIGEST}", ["0" * 64, timezone.now()])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "django_session_key_digest_idx" in plan, plan
