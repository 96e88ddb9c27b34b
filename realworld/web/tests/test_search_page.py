"""/search?q= and the navbar's search box: the API's search (articles/tests/test_search.py)
as pages, with the matched words marked, paginated, cached for anonymous readers."""

import re

import pytest

from realworld.web.page_numbers import ARTICLES_PER_PAGE
from tests.support.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

PREVIEW_TITLE = re.compile(r'class="preview-link">\s*<h1>(.*?)</h1>', re.S)


def titles(html: str) -> list[str]:
    return PREVIEW_TITLE.findall(html)


def test_every_page_has_the_search_box(browser):
    html = browser.get("/").content.decode()
    assert 'action="/search"' in html
    assert '<label for="nav-search-words"' in html
    assert 'name="q"' in html


def test_results_are_ranked_previews_with_the_words_marked(browser):
    ArticleFactory(title="Gardening")
    in_body = ArticleFactory(title="Notes", body="about caching things")
    in_title = ArticleFactory(title="Caching pages")
    response = browser.get("/search?q=cache")
    assert response.status_code == 200
    html = response.content.decode()
    assert titles(html) == ["<mark>Caching</mark> pages", "Notes"]
    assert "2 articles match <strong>cache</strong>" in html
    assert f'href="/article/{in_title.slug}"' in html
    assert "&hellip; about <mark>caching</mark> things &hellip;" in html
    assert f'href="/article/{in_body.slug}"' in html
    assert 'value="cache"' in html  # the box keeps the words


def test_text_in_results_is_escaped(browser):
    ArticleFactory(title="<script>alert(1)</script> cache", description="<b>cache</b>")
    html = browser.get("/search?q=cache").content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>cache</mark>" in html
    assert "&lt;b&gt;<mark>cache</mark>&lt;/b&gt;" in html


def test_pages_keep_the_search(browser):
    for n in range(ARTICLES_PER_PAGE + 2):
        ArticleFactory(title=f"Kubernetes {n}")
    first = browser.get("/search?q=kubernetes").content.decode()
    assert len(titles(first)) == ARTICLES_PER_PAGE
    assert 'href="/search?q=kubernetes&amp;page=2"' in first
    second = browser.get("/search?q=kubernetes&page=2").content.decode()
    assert len(titles(second)) == 2


def test_no_words_asks_for_some_and_no_match_says_so(browser):
    ArticleFactory(title="Something")
    empty = browser.get("/search?q=%20%20")
    assert empty.status_code == 200
    assert "Find articles by words" in empty.content.decode()
    none = browser.get("/search?q=unfindable").content.decode()
    assert "0 articles match" in none
    assert "No articles match" in none


@pytest.mark.parametrize(
    ("query", "message"),
    [("q=" + "x" * 201, "is too long (maximum is 200 characters)"), ("q=%00", "is invalid")],
)
def test_a_bad_search_is_a_styled_400(browser, query, message):
    response = browser.get(f"/search?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert '<div role="alert"><ul class="error-messages" tabindex="-1">' in html
    assert f"<li>Your search {message}</li>" in html
    assert 'aria-invalid="true"' in html


def test_signed_in_the_previews_are_the_viewers(signed_in):
    reader = UserFactory()
    article = ArticleFactory(title="Favorite search")
    article.favorites.create(user=reader)
    html = signed_in(reader).get("/search?q=favorite").content.decode()
    assert titles(html) == ["<mark>Favorite</mark> search"]
    assert "btn-primary" in html.split('class="article-preview"')[1]  # favorited by this viewer


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_content_cache")
def test_cached_for_anonymous_readers_until_the_next_write(browser):
    ArticleFactory(title="Cached search")
    first = browser.get("/search?q=search").content.decode()
    assert titles(first) == ["Cached <mark>search</mark>"]
    # The same search spelled with other spaces is the same cached page.
    assert browser.get("/search?q=%20search%20").content.count(b"<mark>") == 1
    ArticleFactory(title="Fresh search")
    assert len(titles(browser.get("/search?q=search").content.decode())) == 2
