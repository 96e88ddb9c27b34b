"""Login and registration limits: per IP and per account, across workers, 429 + Retry-After."""

import pytest
import requests
from django.core.cache import cache
from rest_framework.test import APIClient

from realworld.testing.servers import gunicorn_server

from .conftest import database_url_for_tests

LOW_RATES = {
    "login_ip": "5/min",
    "login_account": "3/min",
    "register_ip": "4/min",
    "register_account": "2/min",
}


@pytest.fixture
def low_rates(settings, db):
    settings.THROTTLE_RATES = LOW_RATES
    cache.clear()


def login(client: APIClient, email: str, ip: str = "10.0.0.1", **extra):
    body = {"user": {"email": email, "password": "wrong-password"}}
    return client.post("/api/users/login", body, format="json", REMOTE_ADDR=ip, **extra)


def register(client: APIClient, n: int, email: str | None = None, ip: str = "10.0.0.1"):
    user = {
        "username": f"name{n}",
        "email": email or f"name{n}@example.com",
        "password": "pw-12345678",
    }
    return client.post("/api/users", {"user": user}, format="json", REMOTE_ADDR=ip)


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("application/json")
    assert list(response.json()) == ["errors"]
    assert response.json()["errors"]["requests"][0].startswith("are too frequent (retry in")


@pytest.mark.usefixtures("low_rates")
class TestLogin:
    def test_per_account_from_many_addresses(self, client):
        statuses = [
            login(client, "Victim@example.com", ip=f"10.0.1.{i}").status_code for i in range(3)
        ]
        assert statuses == [401, 401, 401]
        # The same account, another address, another letter case: still the same account.
        assert_throttled(login(client, "victim@EXAMPLE.com", ip="10.0.1.99"))
        # Other accounts are not affected.
        assert login(client, "someone@example.com", ip="10.0.1.100").status_code == 401

    def test_per_address_across_accounts(self, client):
        statuses = [login(client, f"user{i}@example.com").status_code for i in range(5)]
        assert statuses == [401] * 5
        assert_throttled(login(client, "user99@example.com"))
        assert login(client, "user99@example.com", ip="10.0.0.2").status_code == 401

    def test_forged_forwarded_for_does_not_reset_the_address_limit(self, client):
        for i in range(5):
            login(client, f"user{i}@example.com", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
        assert_throttled(login(client, "other@example.com", HTTP_X_FORWARDED_FOR="192.0.2.200"))

    def test_behind_one_trusted_proxy_each_forwarded_client_has_its_own_limit(
        self, client, settings
    ):
        # TRUSTED_PROXY_COUNT=1 in Kubernetes: ingress-nginx (or the load generator, which
        # presents one address per simulated user) names the client in X-Forwarded-For.
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
        for i in range(5):
            login(client, f"user{i}@example.com", HTTP_X_FORWARDED_FOR="198.18.0.1")
        assert_throttled(login(client, "other@example.com", HTTP_X_FORWARDED_FOR="198.18.0.1"))
        assert (
            login(client, "other@example.com", HTTP_X_FORWARDED_FOR="198.18.0.2").status_code == 401
        )

    def test_garbage_bodies_are_still_counted_per_address(self, client):
        for _ in range(5):
            client.post("/api/users/login", {"user": "x"}, format="json", REMOTE_ADDR="10.0.0.1")
        assert_throttled(login(client, "user@example.com"))


@pytest.mark.usefixtures("low_rates")
class TestRegistration:
    def test_per_address(self, client):
        statuses = [register(client, i).status_code for i in range(4)]
        assert statuses == [201] * 4
        assert_throttled(register(client, 5))
        assert register(client, 6, ip="10.0.0.2").status_code == 201

    def test_per_account(self, client):
        statuses = [
            register(client, i, email="same@example.com", ip=f"10.0.2.{i}").status_code
            for i in range(2)
        ]
        assert statuses == [201, 409]
        assert_throttled(register(client, 3, email="same@example.com", ip="10.0.2.50"))


def test_the_limit_holds_across_gunicorn_workers(transactional_db):
    """Two workers, one shared counter (the database cache): the 4th attempt is refused."""
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
        cache.clear()  # committed by the server: do not leave counters for other tests
    assert [r.status_code for r in responses] == [401, 401, 401, 429]
    assert int(responses[-1].headers["Retry-After"]) > 0
    assert list(responses[-1].json()["errors"]) == ["requests"]
