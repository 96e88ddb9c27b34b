"""Plain GETs (realworld/common/plain_get.py) answer exactly as DRF does, over real HTTP.

`?format=json` sends a request down DRF's whole path (a format override is never plain) and
changes nothing else about the answer, so every read is asked both ways and the two answers
must match: status, body and headers, for anonymous, signed-in and refused requests, known
and unknown resources, plain and unusual queries and Accept headers.
"""

import secrets

import pytest
import requests

from realworld.users.models import User
from tests.support.factories import (
    ArticleFactory,
    CommentFactory,
    FavoriteFactory,
    FollowFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Headers that differ between any two responses.
PER_RESPONSE = {"X-Request-ID", "Date"}


@pytest.fixture
def world(live_server_url):
    # The reader registers over HTTP: the server signs tokens (and hashes) its own way.
    name = f"plain{secrets.token_hex(4)}"
    registered = requests.post(
        f"{live_server_url}/api/users",
        json={
            "user": {"username": name, "email": f"{name}@example.com", "password": "pass-word-1"}
        },
        timeout=10,
    )
    assert registered.status_code == 201
    reader, author = User.objects.get(username=name), UserFactory()
    article = ArticleFactory(author=author, tags=["plain", "gets"])
    ArticleFactory(author=reader, tags=["gets"])
    FavoriteFactory(article=article, user=reader)
    FollowFactory(follower=reader, followee=author)
    CommentFactory(article=article, author=author)
    token = registered.json()["user"]["token"]
    return {"slug": article.slug, "author": author.username, "token": token}


def reads(world) -> list[str]:
    slug, author = world["slug"], world["author"]
    return [
        "/api/tags",
        "/api/articles",
        "/api/articles?limit=1&offset=1",
        "/api/articles?tag=gets",
        f"/api/articles?author={author}&limit=5",
        f"/api/articles?favorited={author}",
        "/api/articles?tag=nowhere",
        "/api/articles?limit=0",  # 422
        "/api/articles?tag=%20padded",  # not plain: the serializer words it
        "/api/articles/feed",
        "/api/articles/feed?offset=abc",  # 422 when signed in, 401 when not
        f"/api/articles/{slug}",
        "/api/articles/no-such-article",  # 404
        f"/api/articles/{slug}/comments",
        "/api/articles/no-such-article/comments",
        f"/api/profiles/{author}",
        "/api/profiles/nobody-at-all",
        "/api/user",
    ]


AUTHORIZATIONS = {
    "anonymous": None,
    "signed in": "token",
    "bad token": "Token not-a-jwt",
    "wrong scheme": "Bearer x",
}
ACCEPTS = [None, "application/json", "*/*", "text/html, application/json;q=0.9", "text/html"]


def comparable(response: requests.Response) -> tuple[int, bytes, dict[str, str]]:
    headers = {k: v for k, v in response.headers.items() if k not in PER_RESPONSE}
    return response.status_code, response.content, headers


@pytest.mark.parametrize("who", AUTHORIZATIONS)
def test_every_read_answers_as_drf_does(live_server_url, world, who):
    authorization = AUTHORIZATIONS[who]
    if authorization == "token":
        authorization = f"Token {world['token']}"
    session = requests.Session()
    statuses = set()
    for accept in ACCEPTS:
        headers = {"Accept": accept} if accept else {}
        if authorization:
            headers["Authorization"] = authorization
        for path in reads(world):
            separator = "&" if "?" in path else "?"
            plain = session.get(f"{live_server_url}{path}", headers=headers, timeout=10)
            through_drf = session.get(
                f"{live_server_url}{path}{separator}format=json", headers=headers, timeout=10
            )
            assert comparable(plain) == comparable(through_drf), (who, accept, path)
            assert plain.headers["Content-Type"] == "application/json; charset=utf-8"
            statuses.add(plain.status_code)
    expected = {
        "anonymous": {200, 401, 404, 406, 422},
        "signed in": {200, 404, 406, 422},
        "bad token": {401, 406},
        "wrong scheme": {401, 406},
    }
    assert statuses == expected[who]
