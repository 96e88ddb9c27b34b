"""Anonymous pages come from the page cache (web/page_cache.py): rendered once per content
version, each visitor's own CSRF token put in, never a page older than the last write."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from realworld.articles.models import Article
from realworld.testing.factories import ArticleFactory, FavoriteFactory
from realworld.web.page_cache import PLACEHOLDER

# Committed transactions: inside a test's usual transaction the cache is bypassed on purpose.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("empty_content_cache"),
]

TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def visitor() -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize("page", ["/", "/article/{slug}", "/profile/{author}"])
def test_every_visitor_gets_a_working_token_of_their_own(page):
    article = ArticleFactory(tags=["cached"])
    path = page.format(slug=article.slug, author=article.author.username)
    first, second = visitor(), visitor()
    pages = [first.get(path), second.get(path)]  # the second from the cache
    for response in pages:
        assert response.status_code == 200
        assert PLACEHOLDER.encode() not in response.content
    tokens = [TOKEN.findall(response.content) for response in pages]
    assert all(tokens)
    assert all(len(set(found)) == 1 for found in tokens)  # one token a page
    favorite = f"/article/{article.slug}/favorite"
    own = first.post(favorite, {"csrfmiddlewaretoken": tokens[0][0].decode()})
    assert own.status_code == 302  # past the CSRF check, to the sign-in page
    assert own["Location"] == "/login"
    assert second.post(favorite, {"csrfmiddlewaretoken": tokens[1][0].decode()}).status_code == 302
    foreign = second.post(favorite, {"csrfmiddlewaretoken": tokens[0][0].decode()})
    assert foreign.status_code == 403  # the tokens really are the visitors' own


def test_a_repeated_anonymous_page_costs_one_version_query():
    ArticleFactory()
    first = visitor().get("/")
    with CaptureQueriesContext(connection) as queries:
        again = visitor().get("/")
    assert TOKEN.sub(b"", again.content) == TOKEN.sub(b"", first.content)
    assert len(queries) == 1, queries.captured_queries
    assert "'content'" in queries[0]["sql"]


def test_the_next_anonymous_page_after_a_write_shows_it():
    article = ArticleFactory(title="Before the edit")
    assert b"Before the edit" in visitor().get("/").content
    Article.objects.filter(pk=article.pk).update(title="After the edit")
    assert b"After the edit" in visitor().get("/").content
    page = f"/article/{article.slug}"
    before = TOKEN.sub(b"", visitor().get(page).content)
    assert TOKEN.sub(b"", visitor().get(page).content) == before  # cached, tokens aside
    FavoriteFactory(article=article)
    assert TOKEN.sub(b"", visitor().get(page).content) != before  # the new count


def test_signed_in_pages_and_redirects_are_not_cached(user):
    ArticleFactory()
    assert visitor().get("/?feed=following").status_code == 302  # anonymous: to /login
    signed_in = Client()
    signed_in.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = signed_in.get("/")
    assert response.status_code == 200
    assert PLACEHOLDER.encode() not in response.content
    assert len(queries) > 1  # rendered for them
