"""Security headers for an API, and no server software/version in any response."""

import pytest
import requests

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/tags", "/api/articles/missing", "/api/user", "/nowhere"])
def test_api_responses_carry_the_security_headers(api_client, path):
    response = api_client.get(path)
    for name, value in HEADERS.items():
        assert response[name] == value
    assert "Strict-Transport-Security" not in response  # plain HTTP: no HSTS


@pytest.mark.django_db
def test_hsts_when_the_tls_proxy_says_https(api_client, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = api_client.get("/api/tags", HTTP_X_FORWARDED_PROTO="https")
    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_gunicorn_does_not_reveal_itself(server_on_test_db):
    responses = [
        requests.get(f"{server_on_test_db.url}{path}", timeout=10)
        for path in ("/healthz", "/api/tags", "/nowhere")
    ]
    # A request gunicorn itself refuses (bad request line) is answered without the app.
    raw = requests.get(f"{server_on_test_db.url}/{'x' * 9000}", timeout=10)
    for response in [*responses, raw]:
        server = response.headers.get("Server", "")
        assert "gunicorn" not in server.lower()
        assert not any(ch.isdigit() for ch in server), server
        assert "gunicorn" not in response.text.lower()
    assert raw.status_code in (400, 414)
    for name, value in HEADERS.items():
        assert responses[1].headers[name] == value
