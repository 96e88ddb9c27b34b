"""Anonymous pages come from the page cache (web/page_cache.py): rendered once per content
version, each visitor's own CSRF token put in, never a page older than the last write."""

import re
from typing import cast

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from realworld.articles.models import Article
from realworld.common.read_cache import ProcessReadCache
from realworld.web.page_cache import PLACEHOLDER
from tests.support.factories import ArticleFactory, FavoriteFactory

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


# --- Keys: the path and the parameters the view reads, canonical; a cap in bytes ----------------


def content_cache() -> ProcessReadCache:
    return cast(ProcessReadCache, caches["content"])


def test_query_strings_a_page_does_not_read_make_no_new_entry():
    """The issue's flood: unique query strings on an article with a 100,000-character body
    (about 400 KB rendered) once filled a worker's memory; now they are one entry."""
    article = ArticleFactory(body="word " * 20_000)
    page = f"/article/{article.slug}"
    first = visitor().get(page)
    assert first.status_code == 200
    assert b"word word" in first.content
    entries, size = len(content_cache()), content_cache().size_bytes
    for number in range(200):
        with CaptureQueriesContext(connection) as queries:
            response = visitor().get(f"{page}?n={number}&utm_source=flood-{number}")
        assert response.status_code == 200
        assert len(queries) == 1, queries.captured_queries  # the content version only
    assert (len(content_cache()), content_cache().size_bytes) == (entries, size)
    # and the page's own links carry no query the view did not read
    assert b"flood-" not in response.content
    assert b"n=199" not in response.content


def test_a_page_number_is_one_entry_however_it_is_written():
    ArticleFactory.create_batch(12)  # two pages of ten
    visitor().get("/")
    entries = len(content_cache())
    bodies = {
        path: TOKEN.sub(b"", visitor().get(path).content)
        for path in ("/", "/?page=1", "/?page=01", "/?page=abc", "/?page=-3", "/?feed=global")
    }
    assert len(set(bodies.values())) == 1
    assert len(content_cache()) == entries
    second = visitor().get("/?page=2")
    assert TOKEN.sub(b"", second.content) != bodies["/"]
    assert len(content_cache()) > entries
    grown = len(content_cache())
    assert TOKEN.sub(b"", visitor().get("/?page=002&x=1").content) == TOKEN.sub(b"", second.content)
    assert len(content_cache()) == grown


def test_a_flood_of_distinct_reads_stays_under_the_cap_and_keeps_the_hot_page(settings):
    """Reads that really differ (every offset of the API list) still make entries: the cap in
    bytes bounds them, and the page readers keep asking for is not the one evicted."""
    content = {**settings.CACHES["content"], "OPTIONS": {"MAX_BYTES": 256 * 1024}}
    with override_settings(CACHES={**settings.CACHES, "content": content}):
        article = ArticleFactory(body="hot " * 2_000)
        ArticleFactory.create_batch(30)
        hot = f"/article/{article.slug}"
        visitor().get(hot)
        visitor().get(hot)  # read again: kept through floods
        for offset in range(400):
            assert visitor().get(f"/api/articles?limit=20&offset={offset}").status_code == 200
        assert content_cache().size_bytes <= content_cache().max_bytes
        with CaptureQueriesContext(connection) as queries:
            assert b"hot hot" in visitor().get(hot).content
        assert len(queries) == 1, queries.captured_queries  # still cached
