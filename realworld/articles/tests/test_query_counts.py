"""A fixed number of SQL queries per request, whatever the page size.

Anonymous list: the page (rows with their tags) + COUNT. Signed in: + the token's user.
Single article: one row (+ the token's user).
"""

import pytest

from tests.support.factories import ArticleFactory, FavoriteFactory, FollowFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def followed_articles(user):
    """25 articles by five authors the user follows, each tagged and favorited."""
    authors = UserFactory.create_batch(5)
    for author in authors:
        FollowFactory(follower=user, followee=author)
        for article in ArticleFactory.create_batch(5, author=author, tags=["a", "b"]):
            FavoriteFactory(article=article)
            FavoriteFactory(article=article, user=user)
    return authors


@pytest.mark.parametrize("limit", [1, 20])
def test_list_anonymous(api_client, followed_articles, django_assert_num_queries, limit):
    with django_assert_num_queries(2):
        body = api_client.get("/api/articles", {"limit": limit}).json()
    assert len(body["articles"]) == limit


@pytest.mark.parametrize("limit", [1, 20])
@pytest.mark.parametrize("query", [None, "tag", "author", "favorited"])
def test_list_signed_in(
    auth_client, user, followed_articles, django_assert_num_queries, limit, query
):
    values = {"tag": "a", "author": followed_articles[0].username, "favorited": user.username}
    params = {"limit": limit, **({query: values[query]} if query else {})}

    with django_assert_num_queries(3):
        body = auth_client.get("/api/articles", params).json()
    assert body["articlesCount"] >= 5
    assert len(body["articles"]) == min(limit, body["articlesCount"])


@pytest.mark.parametrize("limit", [1, 20])
def test_feed(auth_client, followed_articles, django_assert_num_queries, limit):
    with django_assert_num_queries(3):
        body = auth_client.get("/api/articles/feed", {"limit": limit}).json()
    assert len(body["articles"]) == limit
    assert body["articlesCount"] == 25


def test_single_article(api_client, auth_client, followed_articles, django_assert_num_queries):
    slug = api_client.get("/api/articles", {"limit": 1}).json()["articles"][0]["slug"]

    with django_assert_num_queries(1):
        assert api_client.get(f"/api/articles/{slug}").status_code == 200
    with django_assert_num_queries(2):
        assert auth_client.get(f"/api/articles/{slug}").json()["article"]["favorited"] is True


@pytest.mark.parametrize("count", [1, 20])
def test_comments(api_client, django_assert_num_queries, count):
    from tests.support.factories import CommentFactory

    article = ArticleFactory()
    CommentFactory.create_batch(count, article=article)

    with django_assert_num_queries(2):
        body = api_client.get(f"/api/articles/{article.slug}/comments").json()
    assert len(body["comments"]) == count
