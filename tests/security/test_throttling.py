"""Login and registration limits: per IP and per account, across workers, 429 + Retry-After."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from realworld.common.models import RateCounter
from realworld.users.tokens import user_token
from tests.support.factories import UserFactory
from tests.support.servers import gunicorn_server

from .conftest import database_url_for_tests

LOW_RATES = {
    "login_ip": "5/min",
    "login_account": "3/min",
    "register_ip": "4/min",
    "register_account": "2/min",
}


@pytest.fixture
def low_rates(settings, db):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, **LOW_RATES}


def login(api_client: APIClient, email: str, ip: str = "10.0.0.1", **extra):
    body = {"user": {"email": email, "password": "wrong-password"}}
    return api_client.post("/api/users/login", body, format="json", REMOTE_ADDR=ip, **extra)


def register(api_client: APIClient, n: int, email: str | None = None, ip: str = "10.0.0.1"):
    user = {
        "username": f"name{n}",
        "email": email or f"name{n}@example.com",
        "password": "pw-12345678",
    }
    return api_client.post("/api/users", {"user": user}, format="json", REMOTE_ADDR=ip)


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("application/json")
    assert list(response.json()) == ["errors"]
    assert response.json()["errors"]["requests"][0].startswith("are too frequent (retry in")


@pytest.mark.usefixtures("low_rates")
class TestLogin:
    def test_per_account_from_many_addresses(self, api_client):
        statuses = [
            login(api_client, "Victim@example.com", ip=f"10.0.1.{i}").status_code for i in range(3)
        ]
        assert statuses == [401, 401, 401]
        # The same account, another address, another letter case: still the same account.
        assert_throttled(login(api_client, "victim@EXAMPLE.com", ip="10.0.1.99"))
        # Other accounts are not affected.
        assert login(api_client, "someone@example.com", ip="10.0.1.100").status_code == 401

    def test_per_address_across_accounts(self, api_client):
        statuses = [login(api_client, f"user{i}@example.com").status_code for i in range(5)]
        assert statuses == [401] * 5
        assert_throttled(login(api_client, "user99@example.com"))
        assert login(api_client, "user99@example.com", ip="10.0.0.2").status_code == 401

    def test_forged_forwarded_for_does_not_reset_the_address_limit(self, api_client):
        for i in range(5):
            login(api_client, f"user{i}@example.com", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
        assert_throttled(login(api_client, "other@example.com", HTTP_X_FORWARDED_FOR="192.0.2.200"))

    def test_behind_one_trusted_proxy_each_forwarded_client_has_its_own_limit(
        self, api_client, settings
    ):
        # TRUSTED_PROXY_COUNT=1 in Kubernetes: the edge's Envoy (or the load generator, which
        # presents one address per simulated user) names the client in X-Forwarded-For.
        settings.TRUSTED_PROXY_COUNT = 1
        for i in range(5):
            login(api_client, f"user{i}@example.com", HTTP_X_FORWARDED_FOR="198.18.0.1")
        assert_throttled(login(api_client, "other@example.com", HTTP_X_FORWARDED_FOR="198.18.0.1"))
        assert (
            login(api_client, "other@example.com", HTTP_X_FORWARDED_FOR="198.18.0.2").status_code
            == 401
        )

    def test_garbage_bodies_are_still_counted_per_address(self, api_client):
        for _ in range(5):
            api_client.post(
                "/api/users/login", {"user": "x"}, format="json", REMOTE_ADDR="10.0.0.1"
            )
        assert_throttled(login(api_client, "user@example.com"))


@pytest.mark.usefixtures("low_rates")
class TestRegistration:
    def test_per_address(self, api_client):
        statuses = [register(api_client, i).status_code for i in range(4)]
        assert statuses == [201] * 4
        assert_throttled(register(api_client, 5))
        assert register(api_client, 6, ip="10.0.0.2").status_code == 201

    def test_per_account(self, api_client):
        statuses = [
            register(api_client, i, email="same@example.com", ip=f"10.0.2.{i}").status_code
            for i in range(2)
        ]
        assert statuses == [201, 409]
        assert_throttled(register(api_client, 3, email="same@example.com", ip="10.0.2.50"))


def test_the_limit_holds_across_gunicorn_workers(transactional_db):
    """Two workers, one shared counter (in PostgreSQL): the 4th attempt is refused."""
    rates = {
        "THROTTLE_LOGIN_ACCOUNT_RATE": "3/min",
        "WEB_CONCURRENCY": "2",
    }
    try:
        with gunicorn_server(database_url_for_tests(), env=rates) as server:
            body = {"user": {"email": "shared@example.com", "password": "wrong-password"}}
            # New connection per request (sync workers): the workers take turns.
            responses = [
                requests.post(f"{server.url}/api/users/login", json=body, timeout=10)
                for _ in range(4)
            ]
    finally:
        RateCounter.objects.all().delete()  # committed by the server: leave no counters
    assert [r.status_code for r in responses] == [401, 401, 401, 429]
    assert int(responses[-1].headers["Retry-After"]) > 0
    assert list(responses[-1].json()["errors"]) == ["requests"]


@pytest.mark.usefixtures("low_rates")
class TestTheDesignHolds:
    """The findings of the OWASP probe: counters that cannot be flushed or overshot."""

    def test_a_flood_of_fresh_keys_does_not_reset_a_login_counter(self, api_client):
        for i in range(3):
            login(api_client, "victim@example.com", ip=f"10.1.0.{i}")
        assert_throttled(login(api_client, "victim@example.com", ip="10.1.0.99"))

        # 400 registrations and logins with fresh emails, from fresh addresses: with Django's
        # database cache (300 entries, culled when full) this emptied the victim's counter.
        for i in range(200):
            register(api_client, 1000 + i, ip=f"10.2.{i // 250}.{i % 250}")
            login(api_client, f"fresh{i}@example.com", ip=f"10.3.{i // 250}.{i % 250}")

        assert_throttled(login(api_client, "victim@example.com", ip="10.1.0.100"))
        assert RateCounter.objects.count() > 300  # nothing was evicted

    def test_once_an_address_is_refused_nothing_more_is_counted(self, api_client):
        for i in range(5):
            login(api_client, f"user{i}@example.com")
        rows = RateCounter.objects.count()

        for i in range(20):
            assert_throttled(login(api_client, f"new{i}@example.com"))

        assert RateCounter.objects.count() == rows

    def test_the_owner_signs_in_from_a_known_address_during_an_attack(self, api_client, settings):
        settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "100/min"}
        UserFactory(email="owner@example.com")
        good = {"user": {"email": "owner@example.com", "password": "password123"}}
        assert (
            api_client.post(
                "/api/users/login", good, format="json", REMOTE_ADDR="10.9.0.1"
            ).status_code
            == 200
        )

        for i in range(5):  # the attacker, from elsewhere
            login(api_client, "owner@example.com", ip=f"10.8.0.{i}")

        at_home = api_client.post("/api/users/login", good, format="json", REMOTE_ADDR="10.9.0.1")
        elsewhere = api_client.post("/api/users/login", good, format="json", REMOTE_ADDR="10.7.0.1")
        assert at_home.status_code == 200
        assert_throttled(elsewhere)

    def test_correct_passwords_do_not_count_against_the_account(self, api_client):
        UserFactory(email="busy@example.com")
        good = {"user": {"email": "busy@example.com", "password": "password123"}}
        statuses = [
            api_client.post(
                "/api/users/login", good, format="json", REMOTE_ADDR=f"10.6.0.{i}"
            ).status_code
            for i in range(5)  # 5 addresses, the account limit is 3 failures
        ]
        assert statuses == [200] * 5


def test_a_concurrent_burst_cannot_overshoot(transactional_db, settings):
    """16 attempts at once on an account limited to 3: exactly 3 are checked."""
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_account": "3/min"}
    barrier = threading.Barrier(16)

    def attempt(i: int) -> int:
        api_client = APIClient()
        barrier.wait()
        try:
            return login(api_client, "burst@example.com", ip=f"10.5.0.{i}").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(16) as pool:
        statuses = sorted(pool.map(attempt, range(16)))

    assert statuses == [401] * 3 + [429] * 13


@pytest.mark.usefixtures("low_rates")
class TestWriteLimits:
    def test_articles_comments_and_favorites_are_limited_per_user(self, settings):
        settings.THROTTLE_RATES = {
            **settings.THROTTLE_RATES,
            "article_write": "3/min",
            "comment_write": "2/min",
            "social_write": "2/min",
        }
        author, other = UserFactory(), UserFactory()
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {user_token(user=author)}")
        article = {"article": {"title": "t", "description": "d", "body": "b"}}

        created = [api.post("/api/articles", article, format="json") for _ in range(4)]
        slug = created[0].json()["article"]["slug"]
        comments = [
            api.post(f"/api/articles/{slug}/comments", {"comment": {"body": "x"}}, format="json")
            for _ in range(3)
        ]
        favorites = [api.post(f"/api/articles/{slug}/favorite") for _ in range(3)]

        assert [r.status_code for r in created] == [201, 201, 201, 429]
        assert [r.status_code for r in comments] == [201, 201, 429]
        assert [r.status_code for r in favorites] == [200, 200, 429]
        assert_throttled(created[-1])
        someone_else = APIClient()
        someone_else.credentials(HTTP_AUTHORIZATION=f"Token {user_token(user=other)}")
        assert someone_else.post("/api/articles", article, format="json").status_code == 201

    def test_the_web_app_shares_the_limits(self, settings):
        settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "article_write": "1/min"}
        browser = Client()
        browser.force_login(UserFactory())
        draft = {"title": "t", "description": "d", "body": "b"}

        first = browser.post("/editor", draft)
        second = browser.post("/editor", draft)

        assert first.status_code == 302
        assert second.status_code == 429
        assert int(second["Retry-After"]) > 0
        assert "Too many attempts" in second.content.decode()

    def test_the_web_sign_in_is_limited_like_the_api(self, settings):
        browser = Client()
        for _ in range(5):  # login_ip: 5/min
            browser.post(
                "/login", {"email": "x@example.com", "password": "wrong"}, REMOTE_ADDR="10.4.0.1"
            )

        response = browser.post(
            "/login", {"email": "x@example.com", "password": "wrong"}, REMOTE_ADDR="10.4.0.1"
        )

        assert response.status_code == 429


@pytest.mark.usefixtures("low_rates")
class TestIPv6:
    def test_an_ipv6_client_is_counted_by_its_64_not_each_address(self, api_client):
        """A host normally holds a whole /64 and can take a fresh address for every attempt:
        counting full addresses, it would never be limited."""
        statuses = [
            login(api_client, f"user{i}@example.com", ip=f"2001:db8:1:2::{i + 1:x}").status_code
            for i in range(5)
        ]
        assert statuses == [401] * 5
        assert_throttled(login(api_client, "other@example.com", ip="2001:db8:1:2:ffff::1"))
        # Another /64 is another client; IPv4 and IPv4-mapped addresses count as they are.
        assert login(api_client, "other@example.com", ip="2001:db8:1:3::1").status_code == 401
        assert login(api_client, "other@example.com", ip="::ffff:10.9.9.9").status_code == 401

    def test_registrations_too(self, api_client):
        statuses = [
            register(api_client, n, ip=f"2001:db8:7:7::{n + 1:x}").status_code for n in range(4)
        ]
        assert statuses == [201] * 4
        assert_throttled(register(api_client, 9, ip="2001:db8:7:7:abcd::9"))


def test_windows_and_expiry_follow_the_database_clock_only(db, monkeypatch):
    """Windows were keyed and given their end by the app's clock while expiry and cleanup read
    the database's: a pod whose clock is two minutes behind kept a fact for a minute that
    the database already saw as expired. Every time is now the database's."""
    import time

    from realworld.common import ratelimit

    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 120)  # this pod's clock is behind
    ratelimit.remember("login_known", "someone|198.51.100.7", seconds=60)
    assert ratelimit.remembered("login_known", "someone|198.51.100.7")
    counter = RateCounter.objects.get(key__startswith="login_known:")
    with connection.cursor() as cursor:
        cursor.execute("SELECT extract(epoch from %s - now())", [counter.expires_at])
        (left,) = cursor.fetchone()
    assert 55 <= float(left) <= 61, left
