"""The article counters (models.Counter, Tag.articles_count) are exact, concurrency included.

They are kept by database triggers (articles migration 0002), so these tests write through
every path: the services, the test factories, a user deletion's cascade, raw tag-link edits,
and many threads on separate connections at once.
"""

from collections.abc import Callable

import pytest
from django.db import connection
from django.db.models import Count

from realworld.articles import services
from realworld.articles.models import Article, ArticleTag, Counter, Tag
from realworld.articles.selectors import ArticleNarrow, article_list, tag_list
from realworld.common.paging import Page
from realworld.users.models import User
from tests.support.concurrency import in_parallel
from tests.support.factories import ArticleFactory, FavoriteFactory, UserFactory


def counted_articles() -> int:
    row = Counter.objects.filter(name="articles").values_list("value", flat=True).first()
    return row or 0


def assert_counters_exact() -> None:
    assert counted_articles() == Article.objects.count()
    expected = dict(
        Tag.objects.annotate(n=Count("articletag")).values_list("name", "n").order_by("name")
    )
    assert dict(Tag.objects.values_list("name", "articles_count").order_by("name")) == expected
    assert tag_list() == sorted((name for name, n in expected.items() if n), key=str)
    for name, n in expected.items():
        _, total = article_list(filters=ArticleNarrow(tag=name), viewer=None, page=Page(20, 0))
        assert total == n
    _, total = article_list(filters=ArticleNarrow(), viewer=None, page=Page(20, 0))
    assert total == Article.objects.count()


def assert_link_dates_copied() -> None:
    links = ArticleTag.objects.select_related("article")
    assert all(link.article_created_at == link.article.created_at for link in links)


@pytest.mark.django_db
def test_counters_follow_mixed_writes():
    alice, bob = UserFactory(), UserFactory()
    create = services.article_create
    first = create(author=alice, title="One", description="d", body="b", tag_list=["x", "y"])
    second = create(author=alice, title="Two", description="d", body="b", tag_list=["y", "z"])
    create(author=bob, title="Three", description="d", body="b", tag_list=[])
    ArticleFactory.create_batch(3, author=bob, tags=["x", "w"])
    assert_counters_exact()

    services.article_update(slug=first.slug, user=alice, data={"tag_list": ["z", "w"]})
    services.article_update(slug=second.slug, user=alice, data={"tag_list": []})
    services.article_favorite(slug=first.slug, user=bob)
    FavoriteFactory(article=second)
    assert_counters_exact()

    services.article_delete(slug=second.slug, user=alice)
    link = ArticleTag.objects.filter(tag__name="w", article=first).first()
    assert link is not None
    ArticleTag.objects.filter(pk=link.pk).update(tag=Tag.objects.get(name="x"))  # a raw move
    assert_counters_exact()
    assert_link_dates_copied()

    bob.delete()  # cascades to bob's articles and their tag links
    assert_counters_exact()
    assert counted_articles() == 1


@pytest.mark.django_db(transaction=True)
def test_counters_exact_under_concurrent_writes():
    """Creates, retags and deletes on many connections at once: no lost update, no deadlock."""
    authors = [UserFactory() for _ in range(4)]
    seeded = [
        services.article_create(
            author=author, title=f"Seed {i}", description="d", body="b", tag_list=["a", "b"]
        )
        for i, author in enumerate(authors * 2)
    ]
    orders = [["a", "b", "c"], ["c", "b", "a"], ["b", "c"], ["c", "a"]]

    def creator(author: User, n: int) -> Callable[[], None]:
        def job() -> None:
            for i in range(n):
                services.article_create(
                    author=author,
                    title=f"By {author.pk} {i}",
                    description="d",
                    body="b",
                    tag_list=orders[i % len(orders)],
                )

        return job

    def retagger(article: Article) -> Callable[[], None]:
        def job() -> None:
            for i in range(4):
                services.article_update(
                    slug=article.slug, user=article.author, data={"tag_list": orders[i]}
                )

        return job

    def deleter(article: Article) -> Callable[[], None]:
        return lambda: services.article_delete(slug=article.slug, user=article.author)

    jobs = [creator(author, 5) for author in authors]
    jobs += [retagger(article) for article in seeded[:4]]
    jobs += [deleter(article) for article in seeded[4:]]
    in_parallel(jobs, start_together=True)  # raises what any of them raised

    assert connection.vendor == "postgresql"
    assert Article.objects.count() == 8 + 4 * 5 - 4
    assert_counters_exact()
    assert_link_dates_copied()
