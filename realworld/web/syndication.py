"""What the web app offers to programs rather than people: Atom feeds of the article lists,
a sitemap and robots.txt. Django's own frameworks build them (django.contrib.syndication,
django.contrib.sitemaps) from the same selectors as the pages.

Each answer is the same for every visitor of a given site address, so it is served from the
read cache (common/read_cache.py) under the scheme, host and path it was asked for: the
documents carry absolute URLs. A write commits a new content version, and with it new feeds
and a new sitemap.
"""

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import index as sitemap_index_view
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.views.decorators.http import require_safe

from realworld.articles.selectors import (
    ArticleNarrow,
    ArticleRow,
    article_list,
    article_locations,
    article_total,
    tag_in_use,
    tag_locations,
)
from realworld.common import read_cache
from realworld.common.exceptions import NotFound
from realworld.common.paging import Page
from realworld.profiles.selectors import profile_get

FEED_ENTRIES = 20
# Well under the protocol's 50,000: a page is rendered again on its first request after each
# write.
SITEMAP_URLS_PER_PAGE = 2_000


def _cached(
    request: HttpRequest, kind: str, render: Callable[[], HttpResponse], *, page: str = ""
) -> HttpResponse:
    """The document at this address (and sitemap `page`), rendered once per content version."""
    key = (request.scheme, request.get_host(), request.path, page)

    def content() -> tuple[bytes, str, str | None]:
        response = render()
        if hasattr(response, "render"):
            response.render()
        # The sitemap views ask search engines not to index the sitemap itself.
        return response.content, response["Content-Type"], response.get("X-Robots-Tag")

    body, content_type, robots = read_cache.cached_for_everyone(kind, key, content)
    answer = HttpResponse(body, content_type=content_type)
    if robots:
        answer["X-Robots-Tag"] = robots
    return answer


# --- Atom feeds ---------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry (C0 controls but tab and newlines, U+FFFE, U+FFFF). Articles
# and tags may hold them (the API stores any text PostgreSQL can), and Django's feed writer
# refuses them with an error: they are left out of what a feed shows.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return NOT_XML.sub("", text)


class ArticlesFeed(Feed):
    """The most recent articles of a list, as Atom: the global feed, a tag's, an author's."""

    feed_type = Atom1Feed

    def get_object(
        self, request: HttpRequest, tag: str | None = None, author: str | None = None
    ) -> ArticleNarrow:
        return ArticleNarrow(tag=tag, author=author)

    def title(self, narrow: ArticleNarrow) -> str:
        if narrow.tag:
            return _xml_text(f"Conduit: articles tagged {narrow.tag}")
        if narrow.author:
            return _xml_text(f"Conduit: articles by {narrow.author}")
        return "Conduit: recent articles"

    def link(self, narrow: ArticleNarrow) -> str:
        if narrow.tag:
            return f"/tag/{quote(narrow.tag)}"
        if narrow.author:
            return f"/profile/{quote(narrow.author)}"
        return "/"

    def subtitle(self, narrow: ArticleNarrow) -> str:
        return "A place to share your knowledge."

    def items(self, narrow: ArticleNarrow) -> list[ArticleRow]:
        page = Page(limit=FEED_ENTRIES, offset=0)
        return article_list(filters=narrow, viewer=None, page=page)[0]

    def item_title(self, row: ArticleRow) -> str:
        return _xml_text(row["title"])

    def item_description(self, row: ArticleRow) -> str:
        # Atom's summary is written as type="html": the plain-text description, escaped.
        return escape(_xml_text(row["description"]))

    def item_link(self, row: ArticleRow) -> str:
        return f"/article/{quote(row['slug'])}"

    def item_pubdate(self, row: ArticleRow) -> datetime:
        return row["created_at"]

    def item_updateddate(self, row: ArticleRow) -> datetime:
        return row["updated_at"]

    def item_author_name(self, row: ArticleRow) -> str:
        return row["author__username"]

    def item_categories(self, row: ArticleRow) -> list[str]:
        return [_xml_text(name) for name in row["tag_list"]]


articles_feed = ArticlesFeed()


@require_safe
def global_feed(request: HttpRequest) -> HttpResponse:
    return _cached(request, "feed", lambda: articles_feed(request))


@require_safe
def tag_feed(request: HttpRequest, tag: str) -> HttpResponse:
    def render() -> HttpResponse:
        if not tag_in_use(name=tag):
            raise NotFound("tag")  # the 404 page
        return articles_feed(request, tag=tag)

    return _cached(request, "feed", render)


@require_safe
def author_feed(request: HttpRequest, username: str) -> HttpResponse:
    def render() -> HttpResponse:
        profile_get(username=username, viewer=None)  # NotFound: the 404 page
        return articles_feed(request, author=username)

    return _cached(request, "feed", render)


# --- Sitemap and robots.txt ---------------------------------------------------------------------


class ArticleSitemap(Sitemap):
    limit = SITEMAP_URLS_PER_PAGE

    def items(self) -> Any:
        return article_locations()

    def location(self, item: dict[str, Any]) -> str:
        return f"/article/{quote(item['slug'])}"

    def lastmod(self, item: dict[str, Any]) -> datetime:
        return item["updated_at"]

    @property
    def paginator(self) -> Paginator:
        # Django counts the items with COUNT(*), a scan of the whole table (0.5 s at 100k
        # articles); the counter kept by triggers says the same in one row.
        pages = Paginator(self.items(), self.limit)
        pages.count = article_total()
        return pages

    def get_latest_lastmod(self) -> None:
        # Django's default calls lastmod() on every article (1.4 s at 100k): the index goes
        # without; each URL in the section pages carries its own.
        return None


class TagSitemap(Sitemap):
    limit = SITEMAP_URLS_PER_PAGE

    def items(self) -> Any:
        return tag_locations()

    def location(self, item: str) -> str:
        return f"/tag/{quote(item)}"


class HomeSitemap(Sitemap):
    def items(self) -> list[str]:
        return ["/"]

    def location(self, item: str) -> str:
        return item


SITEMAPS: "dict[str, type[Sitemap[Any]] | Sitemap[Any]]" = {
    "home": HomeSitemap,
    "articles": ArticleSitemap,
    "tags": TagSitemap,
}


@require_safe
def sitemap_index(request: HttpRequest) -> HttpResponse:
    return _cached(
        request,
        "sitemap",
        lambda: sitemap_index_view(request, SITEMAPS, sitemap_url_name="sitemap-section"),
    )


@require_safe
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    page = request.GET.get("p", "")
    return _cached(
        request, "sitemap", lambda: sitemap_view(request, SITEMAPS, section=section), page=page
    )


ROBOTS = """User-agent: *
Disallow: /editor
Disallow: /settings
Disallow: /login
Disallow: /register
Disallow: /search
Disallow: /api/

Sitemap: {sitemap}
"""


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    def render() -> HttpResponse:
        sitemap = request.build_absolute_uri("/sitemap.xml")
        return HttpResponse(ROBOTS.format(sitemap=sitemap), content_type="text/plain")

    return _cached(request, "robots", render)
