"""Atom feeds, the sitemap, robots.txt and the share tags of an article page, read as the
programs that consume them read them: feeds by a feed parser, the sitemap as XML."""

import xml.etree.ElementTree as ET

import feedparser
import pytest

from tests.support.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def xml_of(response) -> ET.Element:
    assert response.status_code == 200
    return ET.fromstring(response.content)  # noqa: S314 - our own server's answer, in a test


def parsed(response) -> feedparser.FeedParserDict:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")  # well-formed Atom
    assert feed.version == "atom10"
    return feed


def test_the_global_feed_lists_the_most_recent_articles(browser):
    older = ArticleFactory(title="Older", description="First <words>", tags=["b", "a"])
    newer = ArticleFactory(title="Newer")
    feed = parsed(browser.get("/atom.xml"))
    assert feed.feed.title == "Conduit: recent articles"
    assert feed.feed.link == "http://testserver/"
    assert [entry.title for entry in feed.entries] == ["Newer", "Older"]
    entry = feed.entries[1]
    assert entry.link == f"http://testserver/article/{older.slug}"
    # The summary is HTML (Atom type="html"): the plain description, escaped, shows as written.
    assert entry.summary_detail.type == "text/html"
    assert entry.summary == "First &lt;words&gt;"
    assert entry.author == older.author.username
    assert [tag.term for tag in entry.tags] == ["a", "b"]
    assert entry.published_parsed[:6] == older.created_at.utctimetuple()[:6]
    assert feed.entries[0].link.endswith(newer.slug)


def test_a_tag_feed_and_an_author_feed(browser):
    author = UserFactory()
    mine = ArticleFactory(author=author, tags=["dragons"])
    ArticleFactory(tags=["dragons"])
    ArticleFactory()
    tagged = parsed(browser.get("/tag/dragons/atom.xml"))
    assert tagged.feed.title == "Conduit: articles tagged dragons"
    assert len(tagged.entries) == 2
    by_author = parsed(browser.get(f"/profile/{author.username}/atom.xml"))
    assert [entry.link.rsplit("/", 1)[1] for entry in by_author.entries] == [mine.slug]


def test_an_unknown_author_has_no_feed(browser):
    response = browser.get("/profile/nobody/atom.xml")
    assert response.status_code == 404
    assert b"<!DOCTYPE html>" in response.content  # the styled page


def test_pages_advertise_their_feed(browser):
    article = ArticleFactory(tags=["dragons"])
    alternate = '<link rel="alternate" type="application/atom+xml"'
    home = browser.get("/").content.decode()
    assert f'{alternate} title="Conduit: recent articles" href="/atom.xml">' in home
    tag = browser.get("/tag/dragons").content.decode()
    assert 'href="/tag/dragons/atom.xml"' in tag
    profile = browser.get(f"/profile/{article.author.username}").content.decode()
    assert f'href="/profile/{article.author.username}/atom.xml"' in profile


def test_the_sitemap_lists_every_article_and_tag(browser):
    articles = [ArticleFactory(tags=["sitemapped"]) for _ in range(3)]
    index = xml_of(browser.get("/sitemap.xml"))
    sections = [loc.text for loc in index.findall("s:sitemap/s:loc", SITEMAP_NS)]
    assert sections == [
        "http://testserver/sitemap-home.xml",
        "http://testserver/sitemap-articles.xml",
        "http://testserver/sitemap-tags.xml",
    ]
    listed = xml_of(browser.get("/sitemap-articles.xml"))
    locations = [loc.text for loc in listed.findall("s:url/s:loc", SITEMAP_NS)]
    assert locations == [f"http://testserver/article/{a.slug}" for a in articles]
    assert len(listed.findall("s:url/s:lastmod", SITEMAP_NS)) == 3
    tags = xml_of(browser.get("/sitemap-tags.xml"))
    assert [loc.text for loc in tags.findall("s:url/s:loc", SITEMAP_NS)] == [
        "http://testserver/tag/sitemapped"
    ]
    assert "noindex" in browser.get("/sitemap.xml")["X-Robots-Tag"]
    assert browser.get("/sitemap-nothing.xml").status_code == 404
    assert browser.get("/sitemap-articles.xml?p=9").status_code == 404


def test_robots_txt_points_to_the_sitemap(browser):
    response = browser.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /settings" in lines


def test_an_article_page_carries_its_share_tags(browser):
    article = ArticleFactory(title='Say "hi"', description="A <short> summary", tags=["t1"])
    html = browser.get(f"/article/{article.slug}").content.decode()
    url = f"http://testserver/article/{article.slug}"
    assert f'<link rel="canonical" href="{url}">' in html
    assert '<meta name="description" content="A &lt;short&gt; summary">' in html
    assert '<meta property="og:title" content="Say &quot;hi&quot;">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="article:tag" content="t1">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert html.count('name="description"') == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_content_cache")
def test_feeds_and_the_sitemap_come_from_the_read_cache_until_a_write(browser):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ArticleFactory(title="Cached")
    first = browser.get("/atom.xml").content
    with CaptureQueriesContext(connection) as queries:
        assert browser.get("/atom.xml").content == first
        browser.get("/sitemap-articles.xml")
        browser.get("/sitemap-articles.xml")
    reads_of_articles = [q for q in queries if "articles_article" in q["sql"]]
    # The sitemap's first render reads its page of articles (the count is the trigger-kept
    # counter); the second render and the cached feed read nothing.
    assert len(reads_of_articles) == 1
    ArticleFactory(title="Fresh")
    assert [e.title for e in parsed(browser.get("/atom.xml")).entries] == ["Fresh", "Cached"]


def test_another_host_gets_its_own_urls(browser, settings):
    settings.ALLOWED_HOSTS = ["testserver", "realworld.takehome.local"]
    ArticleFactory()
    other = browser.get("/robots.txt", HTTP_HOST="realworld.takehome.local").content.decode()
    assert "Sitemap: http://realworld.takehome.local/sitemap.xml" in other
    assert "Sitemap: http://testserver/sitemap.xml" in browser.get("/robots.txt").content.decode()


def test_the_sitemap_pages_by_the_counted_articles(browser, monkeypatch):
    from realworld.web.syndication import ArticleSitemap

    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    articles = [ArticleFactory() for _ in range(3)]
    index = xml_of(browser.get("/sitemap.xml"))
    sections = [loc.text for loc in index.findall("s:sitemap/s:loc", SITEMAP_NS)]
    assert "http://testserver/sitemap-articles.xml?p=2" in sections
    assert "http://testserver/sitemap-articles.xml?p=3" not in sections
    second = xml_of(browser.get("/sitemap-articles.xml?p=2"))
    assert [loc.text for loc in second.findall("s:url/s:loc", SITEMAP_NS)] == [
        f"http://testserver/article/{articles[2].slug}"
    ]
    for bad in ("p=3", "p=0", "p=abc"):
        assert browser.get(f"/sitemap-articles.xml?{bad}").status_code == 404


def test_text_xml_cannot_carry_is_left_out_of_a_feed(browser):
    ArticleFactory(
        title="Bell\x07 and \x1b[31mescape", description="Form\x0cfeed \ufffe", tags=["t\x01ag"]
    )
    for path in ("/atom.xml", "/tag/t%01ag/atom.xml"):
        feed = parsed(browser.get(path))
        entry = feed.entries[0]
        assert entry.title == "Bell and [31mescape"
        assert entry.summary == "Formfeed"
        assert [tag.term for tag in entry.tags] == ["tag"]


@pytest.mark.parametrize("tag", ["nothing-here", "%01", "%00"])
def test_a_tag_no_article_carries_has_no_feed(browser, tag):
    ArticleFactory(tags=["real"])
    response = browser.get(f"/tag/{tag}/atom.xml")
    assert response.status_code == 404
    assert b"<!DOCTYPE html>" in response.content


def test_tags_a_path_cannot_carry_stay_out_of_the_sitemap(browser):
    ArticleFactory(tags=["a/b", "plain"])
    tags = xml_of(browser.get("/sitemap-tags.xml"))
    assert [loc.text for loc in tags.findall("s:url/s:loc", SITEMAP_NS)] == [
        "http://testserver/tag/plain"
    ]
