"""The API over real HTTP: gunicorn with the production config, on the test database."""

import secrets

import pytest
import requests

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def http(live_server_url: str) -> requests.Session:
    session = requests.Session()
    session.base_url = live_server_url  # type: ignore[attr-defined]
    return session


def url(http: requests.Session, path: str) -> str:
    return f"{http.base_url}{path}"  # type: ignore[attr-defined]


def register(http: requests.Session) -> tuple[str, str]:
    name = f"live{secrets.token_hex(4)}"
    response = http.post(
        url(http, "/api/users"),
        json={
            "user": {"username": name, "email": f"{name}@example.com", "password": "password123"}
        },
        timeout=10,
    )
    assert response.status_code == 201
    return name, response.json()["user"]["token"]


def test_a_writer_and_a_reader_go_through_the_whole_flow(http):
    writer, writer_token = register(http)
    _, reader_token = register(http)
    as_writer = {"Authorization": f"Token {writer_token}"}
    as_reader = {"Authorization": f"Token {reader_token}"}

    login = http.post(
        url(http, "/api/users/login"),
        json={"user": {"email": f"{writer}@example.com", "password": "password123"}},
        timeout=10,
    )
    assert login.status_code == 200

    created = http.post(
        url(http, "/api/articles"),
        json={"article": {"title": "Live", "description": "d", "body": "b", "tagList": ["live"]}},
        headers=as_writer,
        timeout=10,
    )
    assert created.status_code == 201
    assert created.headers["Content-Type"] == "application/json; charset=utf-8"
    slug = created.json()["article"]["slug"]

    assert http.post(url(http, f"/api/profiles/{writer}/follow"), headers=as_reader, timeout=10).ok
    favorited = http.post(
        url(http, f"/api/articles/{slug}/favorite"), headers=as_reader, timeout=10
    )
    assert favorited.json()["article"]["favoritesCount"] == 1

    feed = http.get(url(http, "/api/articles/feed"), headers=as_reader, timeout=10).json()
    assert [a["slug"] for a in feed["articles"]] == [slug]
    assert feed["articles"][0]["author"]["following"] is True

    comment = http.post(
        url(http, f"/api/articles/{slug}/comments"),
        json={"comment": {"body": "Nice"}},
        headers=as_reader,
        timeout=10,
    ).json()["comment"]
    forbidden = http.delete(
        url(http, f"/api/articles/{slug}/comments/{comment['id']}"), headers=as_writer, timeout=10
    )
    assert forbidden.status_code == 403

    deleted = http.delete(url(http, f"/api/articles/{slug}"), headers=as_writer, timeout=10)
    assert deleted.status_code == 204
    assert http.get(url(http, f"/api/articles/{slug}"), timeout=10).status_code == 404


def test_oversized_bodies_are_refused_with_a_json_413(http):
    _, token = register(http)
    body = {"article": {"title": "Big", "description": "d", "body": "x" * (1024 * 1024 + 1)}}

    response = http.post(
        url(http, "/api/articles"),
        json=body,
        headers={"Authorization": f"Token {token}"},
        timeout=30,
    )

    assert response.status_code == 413
    assert response.json() == {"errors": {"body": ["is too large (maximum is 1048576 bytes)"]}}


@pytest.mark.parametrize(
    ("method", "path", "data", "status"),
    [
        ("POST", "/api/users", b"{not json", 400),
        ("POST", "/api/users", b'{"user": {"email": 5, "password": []}}', 422),
        ("GET", "/api/articles?limit=-5", None, 422),
        ("GET", "/api/articles?offset=abc", None, 422),
        ("GET", "/api/nowhere", None, 404),
        ("GET", "/api/user", None, 401),
        ("DELETE", "/api/tags", None, 405),
    ],
)
def test_bad_requests_get_json_errors_never_html(http, method, path, data, status):
    response = http.request(
        method, url(http, path), data=data, headers={"Content-Type": "application/json"}, timeout=10
    )

    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    assert "errors" in response.json()


def test_probes_answer_whatever_the_host_header(http):
    for path in ("/healthz", "/readyz"):
        response = http.get(url(http, path), headers={"Host": "10.0.0.7:8000"}, timeout=10)
        assert response.status_code == 200


def preflight(http: requests.Session, origin: str) -> requests.Response:
    return http.options(
        url(http, "/api/articles"),
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
        timeout=10,
    )


def test_cors_preflight_grants_the_configured_origin(http):
    response = preflight(http, "http://localhost:4200")  # CORS_ALLOWED_ORIGINS of the live server

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:4200"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "authorization" in response.headers["Access-Control-Allow-Headers"]


def test_cors_preflight_grants_nothing_to_other_origins(http):
    response = preflight(http, "https://evil.example.com")

    assert "Access-Control-Allow-Origin" not in response.headers
