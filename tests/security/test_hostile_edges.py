"""Hostile input found by the OWASP probe (issue: security hardening): each a clean 4xx."""

import json

import pytest
from rest_framework.test import APIClient

from tests.support.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/api/articles/a%00b", "article"),
        ("/api/articles/a%00b/comments", "article"),
        ("/api/profiles/a%00b", "profile"),
    ],
)
def test_a_nul_in_a_path_is_a_404_not_an_outage(api_client, path, key):
    response = api_client.get(path)

    assert response.status_code == 404
    assert response.json() == {"errors": {key: ["not found"]}}


def test_a_nul_in_a_signed_in_write_path_is_a_404(auth_client):
    for method, path in [
        ("post", "/api/articles/a%00b/favorite"),
        ("delete", "/api/articles/a%00b"),
        ("post", "/api/profiles/a%00b/follow"),
    ]:
        response = getattr(auth_client, method)(path)
        assert response.status_code == 404, path


@pytest.mark.parametrize("query", ["tag=a%00b", "author=a%00b", "favorited=a%00b"])
def test_a_nul_in_a_filter_is_a_422(api_client, query):
    response = api_client.get(f"/api/articles?{query}")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [query.split("=")[0]]


@pytest.mark.parametrize("path", ["/article/a%00b", "/profile/a%00b"])
def test_a_nul_in_a_page_path_is_a_404_page(api_client, path):
    response = api_client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_nul_in_a_tag_page_is_an_empty_list(api_client):
    response = api_client.get("/tag/a%00b")

    assert response.status_code == 200
    assert "No articles are here... yet." in response.content.decode()


@pytest.mark.parametrize("path", ["/api/users", "/api/users/login"])
def test_a_lone_surrogate_in_the_email_is_a_400_not_a_crash(api_client, path):
    # "\ud800" is no Unicode text: the strict JSON parser refuses the body as a whole.
    body = '{"user": {"email": "\\ud800@x.io", "password": "password123", "username": "abc"}}'

    response = api_client.post(path, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"errors": {"body": ["is not valid JSON"]}}


@pytest.mark.parametrize("field", ["title", "description", "body", "tagList"])
def test_a_nul_in_a_field_is_a_422(auth_client, field):
    article = {"title": "t", "description": "d", "body": "b", "tagList": []}
    article[field] = ["a\x00b"] if field == "tagList" else "a\x00b"

    response = auth_client.post(
        "/api/articles", json.dumps({"article": article}), content_type="application/json"
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


def test_a_nul_in_a_username_or_email_is_a_422():
    body = {"user": {"username": "a\x00b", "email": "x\x00@x.io", "password": "password123"}}

    response = APIClient().post("/api/users", json.dumps(body), content_type="application/json")

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"username", "email"}


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"a":' * 3000 + "1" + "}" * 3000])
@pytest.mark.parametrize("path", ["/api/users", "/api/users/login", "/api/articles"])
def test_deeply_nested_json_is_a_400(auth_client, path, body):
    response = auth_client.post(path, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"errors": {"body": ["is not valid JSON"]}}


def test_route_words_are_never_slugs(auth_client):
    for title in ("feed", "Feed", "FEED!"):
        response = auth_client.post(
            "/api/articles",
            {"article": {"title": title, "description": "d", "body": "b"}},
            format="json",
        )
        slug = response.json()["article"]["slug"]
        assert slug != "feed"
        assert auth_client.get(f"/api/articles/{slug}").status_code == 200
        assert auth_client.delete(f"/api/articles/{slug}").status_code == 204


def test_an_existing_feed_slug_is_renamed_on_update(auth_client, user):
    article = ArticleFactory(author=user, title="x", slug="x")

    response = auth_client.put(
        f"/api/articles/{article.slug}", {"article": {"title": "Feed"}}, format="json"
    )

    assert response.json()["article"]["slug"].startswith("feed-")


@pytest.mark.parametrize("path", ["/api/user"])
def test_responses_with_a_token_are_never_cached(auth_client, path):
    assert auth_client.get(path)["Cache-Control"] == "no-store"


def test_login_and_registration_are_never_cached(api_client):
    user = UserFactory()
    registered = api_client.post(
        "/api/users",
        {"user": {"username": "n", "email": "n@x.io", "password": "password123"}},
        format="json",
    )
    logged_in = api_client.post(
        "/api/users/login",
        {"user": {"email": user.email, "password": "password123"}},
        format="json",
    )
    updated = APIClient()
    updated.credentials(HTTP_AUTHORIZATION=f"Token {registered.json()['user']['token']}")
    put = updated.put("/api/user", {"user": {"bio": "x"}}, format="json")

    assert [r["Cache-Control"] for r in (registered, logged_in, put)] == ["no-store"] * 3
