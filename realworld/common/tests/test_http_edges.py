"""Requests that reach no view, or that a view must refuse before reading them."""

import re

import pytest
from django.db import OperationalError, connection
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_malformed_json_is_a_json_400(auth_client):
    response = auth_client.post("/api/articles", "{bad", content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert list(response.json()["errors"]) == ["body"]


def test_a_json_array_instead_of_an_object_is_a_422(api_client):
    response = api_client.post("/api/users", "[1, 2]", content_type="application/json")

    assert response.status_code == 422


def test_form_encoded_bodies_are_a_415(api_client):
    response = api_client.post(
        "/api/users", "user=x", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415
    assert response.json() == {"errors": {"Content-Type": ["must be application/json"]}}


@override_settings(MAX_REQUEST_BODY_BYTES=1024)
def test_bodies_over_the_limit_are_a_413(auth_client):
    response = auth_client.post("/api/articles", {"article": {"body": "x" * 2000}}, format="json")

    assert response.status_code == 413
    assert response.json() == {"errors": {"body": ["is too large (maximum is 1024 bytes)"]}}


def test_a_non_numeric_content_length_is_a_400(api_client):
    response = api_client.generic("POST", "/api/users", b"{}", CONTENT_LENGTH="abc")

    assert response.status_code == 400


def test_unknown_urls_are_a_json_404(api_client):
    for path in ("/api/nothing", "/api/articles/a/b/c/d", "/api/admin/"):
        response = api_client.get(path)
        assert response.status_code == 404
        assert response.json() == {"errors": {"resource": ["not found"]}}


def test_unknown_urls_are_json_in_debug_too(api_client, settings):
    settings.DEBUG = True

    response = api_client.get("/api/nothing")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_unsupported_methods_are_a_json_405(auth_client):
    response = auth_client.patch("/api/user", {}, format="json")

    assert response.status_code == 405
    assert response.json() == {"errors": {"method": ["PATCH is not allowed here"]}}


def test_healthz_answers_without_the_database(api_client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = api_client.get("/healthz", HTTP_HOST="10.1.2.3:8000")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_the_database_and_ignores_the_host(api_client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = api_client.get("/readyz", HTTP_HOST="10.1.2.3:8000")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "up"}


def test_readyz_is_503_when_the_database_fails(api_client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)

    response = api_client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_other_hosts_are_refused(api_client):
    response = api_client.get("/api/tags", HTTP_HOST="evil.example.com")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


class TestCors:
    @override_settings(
        CORS_ALLOWED_ORIGINS=["https://app.example.com"], CORS_ALLOW_ALL_ORIGINS=False
    )
    def test_preflight_from_an_allowed_origin(self, api_client):
        response = api_client.options(
            "/api/articles",
            HTTP_ORIGIN="https://app.example.com",
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type",
        )

        assert response.status_code == 200
        assert response["Access-Control-Allow-Origin"] == "https://app.example.com"
        assert "POST" in response["Access-Control-Allow-Methods"]
        assert "authorization" in response["Access-Control-Allow-Headers"]

    @override_settings(
        CORS_ALLOWED_ORIGINS=["https://app.example.com"], CORS_ALLOW_ALL_ORIGINS=False
    )
    def test_other_origins_get_no_grant(self, api_client):
        response = api_client.get("/api/tags", HTTP_ORIGIN="https://evil.example.com")

        assert response.status_code == 200
        assert "Access-Control-Allow-Origin" not in response

    @override_settings(
        CORS_ALLOWED_ORIGINS=["https://app.example.com"], CORS_ALLOW_ALL_ORIGINS=False
    )
    def test_simple_requests_from_an_allowed_origin_are_granted(self, api_client):
        response = api_client.get("/api/tags", HTTP_ORIGIN="https://app.example.com")

        assert response["Access-Control-Allow-Origin"] == "https://app.example.com"


class TestSchemaAndDocs:
    def test_the_schema_describes_every_operation(self, api_client):
        response = api_client.get("/api/schema", HTTP_ACCEPT="application/json")

        assert response.status_code == 200
        schema = response.json()
        operations = {
            (method.upper(), path) for path, item in schema["paths"].items() for method in item
        }
        assert len(operations) == 19
        assert ("GET", "/api/articles/feed") in operations
        assert schema["components"]["securitySchemes"]["Token"]["name"] == "Authorization"

    def test_swagger_ui_uses_local_assets(self, api_client):
        response = api_client.get("/api/docs")

        assert response.status_code == 200
        html = response.content.decode()
        bundle = re.search(r'src="(/static/drf_spectacular_sidecar/swagger-ui-dist/[^"]+)"', html)
        assert bundle is not None
        assert "cdn" not in html.lower()
        assert "<script>" not in html  # the split view: its script comes from a URL (CSP)
        assert api_client.get(bundle.group(1)).status_code == 200
        script = api_client.get("/api/docs", {"script": ""})
        assert script.status_code == 200
        assert "entry.value = /^Token\\s+/" in script.content.decode()
