"""Hostile input: odd unicode, long strings and metacharacters are stored and returned verbatim;
limits (page size, body size, field lengths) answer 4xx, never 5xx; foreign JWTs are refused."""

import base64
import json
import time
from urllib.parse import quote

import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from realworld.users.models import User

pytestmark = pytest.mark.django_db

NASTY = [
    "'; DROP TABLE articles_article;--",
    '<script>alert("x")</script>',
    "Robert'); SELECT pg_sleep(10);--",
    "${jndi:ldap://x}{{7*7}}%s%n\\",
    "Ünïcödé 李小龍 مرحبا שלום 🧪🏳️‍🌈",
    "e\u0301 (combining) \u200b\u200d (zero width) \u202e (rtl override)",
    "\uff46\uff55\uff4c\uff4c width, \ufb01 ligature, \u01c5 titlecase",
]


@pytest.fixture
def writer(api_client) -> tuple[object, str]:
    body = {"user": {"username": "writer", "email": "w@example.com", "password": "pw-12345678"}}
    token = api_client.post("/api/users", body, format="json").json()["user"]["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api_client, token


@pytest.mark.parametrize("text", NASTY)
def test_articles_and_tags_round_trip_verbatim(writer, text):
    api_client, _ = writer
    tag = text[:64]
    article = {"title": text, "description": text, "body": text, "tagList": [tag]}
    created = api_client.post("/api/articles", {"article": article}, format="json")
    assert created.status_code == 201, created.content
    slug = created.json()["article"]["slug"]

    fetched = api_client.get(f"/api/articles/{quote(slug, safe='')}").json()["article"]
    assert (fetched["title"], fetched["description"], fetched["body"]) == (text, text, text)
    assert fetched["tagList"] == [tag]
    assert tag in api_client.get("/api/tags").json()["tags"]
    listed = api_client.get("/api/articles", {"tag": tag}).json()
    assert [a["slug"] for a in listed["articles"]] == [slug]

    comment = api_client.post(
        f"/api/articles/{quote(slug, safe='')}/comments", {"comment": {"body": text}}, format="json"
    )
    assert comment.json()["comment"]["body"] == text


@pytest.mark.parametrize("name", [n.replace("/", "")[:64] for n in NASTY if n.isprintable()])
def test_usernames_round_trip_verbatim(api_client, name):
    body = {"user": {"username": name, "email": "n@example.com", "password": "pw-12345678"}}
    assert api_client.post("/api/users", body, format="json").status_code == 201
    profile = api_client.get(f"/api/profiles/{quote(name, safe='')}").json()["profile"]
    assert profile["username"] == name
    assert User.objects.get().username == name


@pytest.mark.parametrize("name", ["zero\u200bwidth", "rtl\u202eoverride", "tab\there", "nul\x00"])
def test_usernames_with_invisible_characters_are_refused(api_client, name):
    # Anti-spoofing: a name that renders like another one (or not at all) is a 422.
    body = {"user": {"username": name, "email": "n@example.com", "password": "pw-12345678"}}
    response = api_client.post("/api/users", body, format="json")
    assert response.status_code == 422
    assert "username" in response.json()["errors"]


def test_lookups_with_metacharacters_are_plain_misses(api_client):
    for path in ("/api/articles/%27%20OR%201%3D1--", "/api/profiles/%25", "/api/profiles/_"):
        assert api_client.get(path).status_code == 404
    listed = api_client.get("/api/articles", {"tag": "%", "author": "' OR ''='", "favorited": "_"})
    assert listed.json() == {"articles": [], "articlesCount": 0}


@pytest.mark.parametrize(
    ("field", "length"),
    [("title", 256), ("description", 2001), ("tagList", 65)],
)
def test_too_long_is_a_422(writer, field, length):
    api_client, _ = writer
    article = {"title": "t", "description": "d", "body": "b", "tagList": []}
    article[field] = ["x" * length] if field == "tagList" else "x" * length
    response = api_client.post("/api/articles", {"article": article}, format="json")
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_long_body_within_the_request_limit_is_kept(writer):
    api_client, _ = writer
    body = "🧪" * 100_000  # 400 kB of UTF-8, under the 1 MiB body limit
    article = {"title": "long", "description": "d", "body": body}
    slug = api_client.post("/api/articles", {"article": article}, format="json").json()["article"]
    assert api_client.get(f"/api/articles/{slug['slug']}").json()["article"]["body"] == body


def test_request_body_over_the_limit_is_a_413(writer):
    api_client, _ = writer
    body = "x" * (settings.MAX_REQUEST_BODY_BYTES + 1)
    response = api_client.post("/api/articles", {"article": {"body": body}}, format="json")
    assert response.status_code == 413
    assert response.json()["errors"]["body"]


def test_page_size_is_capped(api_client, writer):
    api, _ = writer
    for i in range(3):
        article = {"title": f"a{i}", "description": "d", "body": "b"}
        api.post("/api/articles", {"article": article}, format="json")
    response = api_client.get("/api/articles", {"limit": 10**9})
    assert response.status_code == 200
    assert len(response.json()["articles"]) == 3  # served, as at most 100 per page


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_foreign_algorithms_are_refused(writer):
    _, token = writer
    api_client = APIClient()  # no stored credentials
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    signature = token.split(".")[2]
    for alg in ("RS256", "ES256", "none", "HS512"):
        forged = f"{b64({'alg': alg, 'typ': 'JWT'})}.{b64(claims)}.{signature}"
        response = api_client.get("/api/user", HTTP_AUTHORIZATION=f"Token {forged}")
        assert response.status_code == 401, alg
        assert response.json()["errors"]


def test_token_lifetime_is_bounded(writer):
    _, token = writer
    claims = AccessToken(token).payload
    lifetime = claims["exp"] - claims["iat"]
    assert 0 < lifetime <= settings.JWT_MAX_LIFETIME_SECONDS
    assert claims["exp"] > time.time()
