"""The anonymous read cache (common/read_cache.py) never serves an answer older than
the last write committed before the read began, and does serve repeated reads from memory.

Committed transactions (`transaction=True`): the content version changes at commit (articles
migration 0003), and inside a test's usual transaction the cache is bypassed on purpose.
"""

import threading
import time
from typing import Any

import orjson
import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from realworld.articles.models import Article, ArticleTag, Favorite, Tag
from realworld.articles.selectors import (
    ArticleNarrow,
    article_get,
    article_list,
    tag_list,
    tag_popular,
)
from realworld.comments.models import Comment
from realworld.common.exceptions import NotFound
from realworld.common.paging import Page
from realworld.users.models import User
from tests.support.factories import (
    ArticleFactory,
    CommentFactory,
    FavoriteFactory,
    FollowFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = Page(limit=20, offset=0)


@pytest.fixture(autouse=True)
def empty_cache():
    caches["content"].clear()
    yield
    caches["content"].clear()


def anonymous_page(**filters: Any):
    return article_list(filters=ArticleNarrow(**filters), viewer=None, page=PAGE)


def test_a_repeated_anonymous_read_costs_one_version_query():
    ArticleFactory(tags=["a"])
    first = anonymous_page()
    with CaptureQueriesContext(connection) as queries:
        again = anonymous_page()
    assert again == first
    assert len(queries) == 1, queries.captured_queries
    assert "'content'" in queries[0]["sql"]


def test_signed_in_lists_share_the_rows_and_add_the_viewers_flags():
    """A signed-in page is the cached anonymous page plus one query for `favorited` and
    `author.following`, and equals what the uncached read returns, for each viewer."""
    viewer, other = UserFactory.create_batch(2)
    followed = UserFactory()
    FollowFactory(follower=viewer, followee=followed)
    liked = ArticleFactory(author=followed, tags=["a"])
    ArticleFactory(tags=["a"])
    FavoriteFactory(article=liked, user=viewer)
    for filters in (ArticleNarrow(), ArticleNarrow(tag="a"), ArticleNarrow(tag="none")):
        anonymous_page(**{k: v for k, v in vars(filters).items() if v})  # warm the rows
        for who in (viewer, other):
            with CaptureQueriesContext(connection) as queries:
                shared = article_list(filters=filters, viewer=who, page=PAGE)
            with override_settings(CONTENT_CACHE_MAX_BYTES=0):
                assert shared == article_list(filters=filters, viewer=who, page=PAGE)
            assert len(queries) == (2 if shared[0] else 1), queries.captured_queries
    rows, _ = article_list(filters=ArticleNarrow(), viewer=viewer, page=PAGE)
    mine = next(r for r in rows if r["id"] == liked.pk)
    assert mine["favorited"]
    assert mine["author_following"]
    # ... and the shared rows stay anonymous.
    anonymous, _ = anonymous_page()
    assert not any(r["favorited"] or r["author_following"] for r in anonymous)


def test_the_feed_and_single_articles_of_a_viewer_are_not_cached():
    viewer = UserFactory()
    article = ArticleFactory()
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            article_get(slug=article.slug, viewer=viewer)
        assert len(queries) == 1
        assert "'content'" not in queries[0]["sql"]


def favorite(article: Article) -> None:
    FavoriteFactory(article=article)


def unfavorite(article: Article) -> None:
    Favorite.objects.filter(article=article).delete()


def edit_body(article: Article) -> None:
    Article.objects.filter(pk=article.pk).update(body="edited")


def retag(article: Article) -> None:
    ArticleTag.objects.create(article=article, tag=Tag.objects.create(name="new"))


def rename_author(article: Article) -> None:
    User.objects.filter(pk=article.author_id).update(bio="a new bio", image="https://x.io/i.png")


def delete(article: Article) -> None:
    Article.objects.filter(pk=article.pk).delete()


def comment(article: Article) -> None:
    CommentFactory(article=article)


def edit_comment(article: Article) -> None:
    Comment.objects.filter(article=article).update(body="edited")


@pytest.mark.parametrize(
    "write",
    [favorite, unfavorite, edit_body, retag, rename_author, delete, comment, edit_comment],
    ids=lambda w: w.__name__,
)
def test_every_write_is_seen_by_the_next_anonymous_read(write):
    """The selectors' cached rows and the API's cached bytes (articles/apis.py) alike."""
    article = ArticleFactory(tags=["a"])
    FavoriteFactory(article=article)
    CommentFactory(article=article)
    reads = {
        "list": anonymous_page,
        "tagged": lambda: anonymous_page(tag="a"),
        "tags": tag_list,
        "popular tags": lambda: tag_popular(limit=10),
        "article": lambda: _article_or_none(article.slug),
        "api list": lambda: api_read("/api/articles"),
        "api tagged": lambda: api_read("/api/articles?tag=a"),
        "api tags": lambda: api_read("/api/tags"),
        "api article": lambda: api_read(f"/api/articles/{article.slug}"),
        "api comments": lambda: api_read(f"/api/articles/{article.slug}/comments"),
        "api author": lambda: api_read(f"/api/profiles/{article.author.username}"),
    }
    before = {name: read() for name, read in reads.items()}  # now cached
    assert {name: read() for name, read in reads.items()} == before

    write(article)

    after = {name: read() for name, read in reads.items()}
    uncached = _uncached(reads)
    assert after == uncached
    assert after != before


def test_registrations_and_deleted_accounts_are_seen_by_the_next_anonymous_read():
    reader = UserFactory()
    profile = f"/api/profiles/{reader.username}"
    assert api_read(profile)[0] == 200  # now cached
    newcomer = f"/api/profiles/{UserFactory().username}"
    assert api_read(newcomer)[0] == 200
    User.objects.filter(pk=reader.pk).delete()
    assert api_read(profile)[0] == 404


def test_a_login_or_password_change_keeps_the_cache():
    article = ArticleFactory()
    anonymous_page()
    user = User.objects.get(pk=article.author_id)
    user.set_password("another-password-1")
    user.save(update_fields=["password"])
    with CaptureQueriesContext(connection) as queries:
        anonymous_page()
    assert len(queries) == 1


def api_read(path: str) -> tuple[int, bytes]:
    response = Client().get(path)
    return response.status_code, response.content


def test_a_repeated_anonymous_api_read_costs_one_version_query():
    article = ArticleFactory(tags=["a"])
    comments, author = f"/api/articles/{article.slug}/comments", f"/api/profiles/{article.author}"
    for path in ("/api/articles", "/api/tags", f"/api/articles/{article.slug}", comments, author):
        first = api_read(path)
        with CaptureQueriesContext(connection) as queries:
            assert api_read(path) == first
        assert len(queries) == 1, queries.captured_queries
        assert "'content'" in queries[0]["sql"]


def _article_or_none(slug: str):
    try:
        return article_get(slug=slug, viewer=None)
    except NotFound:
        return None


def _uncached(reads):
    caches["content"].clear()
    return {name: read() for name, read in reads.items()}


def test_interleaved_writes_and_reads_never_see_a_stale_answer():
    """A writer commits body generations 1, 2, 3, ... and favorites; readers on their own
    connections check that every answer is at least as new as the last commit before they
    asked, while the cache does serve most of them."""
    article = ArticleFactory(body="generation 0")
    slug = article.slug
    fans = UserFactory.create_batch(3)
    committed = {"generation": 0}
    stop = threading.Event()
    problems: list[str] = []
    reads = {"total": 0, "hits": 0}
    lock = threading.Lock()

    def writer() -> None:
        try:
            for generation in range(1, 41):
                Article.objects.filter(pk=article.pk).update(body=f"generation {generation}")
                fan = fans[generation % len(fans)]
                if generation % 2:
                    Favorite.objects.get_or_create(user=fan, article_id=article.pk)
                else:
                    Favorite.objects.filter(user=fan, article_id=article.pk).delete()
                with lock:
                    committed["generation"] = generation
                    committed["favorites"] = Favorite.objects.filter(article_id=article.pk).count()
                # Every fifth commit a quiet spell, as real writes have: without one a fast
                # writer on a loaded machine can leave readers no version to hit twice.
                time.sleep(0.1 if generation % 5 == 0 else 0.005)
        finally:
            stop.set()
            connection.close()

    def reader() -> None:
        try:
            while not stop.is_set():
                with lock:
                    floor = committed["generation"]
                    favorites = committed.get("favorites")
                with CaptureQueriesContext(connection) as queries:
                    row = article_get(slug=slug, viewer=None)
                    rows, _ = anonymous_page()
                generation = int(row["body"].split()[-1])
                served = orjson.loads(api_read(f"/api/articles/{slug}")[1])["article"]
                if int(served["body"].split()[-1]) < floor:
                    with lock:
                        problems.append(f"API article at {served['body']} after {floor}")
                listed = next(r for r in rows if r["slug"] == slug)
                with lock:
                    reads["total"] += 1
                    reads["hits"] += len(queries) == 2  # two version reads, no data
                    quiet = floor == committed["generation"]  # no commit during the read
                    if generation < floor:
                        problems.append(f"article at generation {generation} after {floor}")
                    if quiet and generation == floor and favorites is not None:
                        for where, count in (("article", row), ("list", listed)):
                            if count["favorites_count"] != favorites:
                                problems.append(
                                    f"{where}: {count['favorites_count']} favorites,"
                                    f" {favorites} committed"
                                )
        finally:
            connection.close()

    threads = [threading.Thread(target=writer)] + [
        threading.Thread(target=reader) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert not problems, problems[:10]
    assert reads["total"] > 40, reads
    assert reads["hits"] > 0, reads  # the cache was really in the way
