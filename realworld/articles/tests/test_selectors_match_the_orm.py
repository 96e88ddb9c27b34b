"""The hand-written SQL in articles/selectors.py returns exactly what the ORM would.

The reference below is the same read written with the ORM (annotations and subqueries, tags in
a second query). Both run on the same data for every filter, viewer and page.
"""

import pytest
from django.db.models import Exists, OuterRef, QuerySet

from realworld.articles.models import Article, ArticleTag, Favorite
from realworld.articles.selectors import ArticleNarrow, article_feed, article_get, article_list
from realworld.common.paging import Page
from realworld.profiles.models import Follow
from tests.support.factories import ArticleFactory, FavoriteFactory, FollowFactory, UserFactory
from tests.support.orm_reference import orm_rows

pytestmark = pytest.mark.django_db


def orm_filtered(filters: ArticleNarrow) -> QuerySet[Article]:
    queryset = Article.objects.all()
    if filters.tag is not None:
        queryset = queryset.filter(
            Exists(ArticleTag.objects.filter(article_id=OuterRef("pk"), tag__name=filters.tag))
        )
    if filters.author is not None:
        queryset = queryset.filter(author__username=filters.author)
    if filters.favorited is not None:
        queryset = queryset.filter(
            Exists(
                Favorite.objects.filter(article_id=OuterRef("pk"), user__username=filters.favorited)
            )
        )
    return queryset


@pytest.fixture
def world():
    viewer, *authors = UserFactory.create_batch(4)
    authors[0].bio, authors[0].image = "bio", "https://example.com/a.png"
    authors[0].save()
    FollowFactory(follower=viewer, followee=authors[0])
    FollowFactory(follower=viewer, followee=authors[1])
    tag_sets = [["b", "a"], ["Zeta", "alpha", "élan"], [], ["a"]]
    articles = [ArticleFactory(author=authors[i % 3], tags=tag_sets[i % 4]) for i in range(12)]
    for i, article in enumerate(articles):
        for fan in ([viewer] if i % 3 == 0 else []) + authors[: i % 4]:
            FavoriteFactory(article=article, user=fan)
    return viewer, authors


FILTERS = [
    ArticleNarrow(),
    ArticleNarrow(tag="a"),
    ArticleNarrow(tag="élan"),
    ArticleNarrow(tag="missing"),
    ArticleNarrow(author="<author0>"),
    ArticleNarrow(favorited="<viewer>"),
    ArticleNarrow(tag="a", author="<author1>", favorited="<author0>"),
]


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("page", [Page(limit=20, offset=0), Page(limit=3, offset=2)])
def test_article_list_matches_the_orm(world, filters, signed_in, page):
    viewer, authors = world
    names = {
        "<viewer>": viewer.username,
        **{f"<author{i}>": a.username for i, a in enumerate(authors)},
    }
    filters = ArticleNarrow(**{k: names.get(v, v) for k, v in vars(filters).items() if v})
    who = viewer if signed_in else None

    expected = orm_rows(orm_filtered(filters), who)
    rows, count = article_list(filters=filters, viewer=who, page=page)

    assert rows == expected[page.offset : page.offset + page.limit]
    assert count == len(expected)


def test_article_feed_matches_the_orm(world):
    viewer, _ = world
    followed = Follow.objects.filter(follower=viewer).values("followee_id")
    expected = orm_rows(Article.objects.filter(author_id__in=followed), viewer)

    rows, count = article_feed(viewer=viewer, page=Page(limit=20, offset=0))

    assert rows == expected
    assert count == len(expected) > 0


@pytest.mark.parametrize("signed_in", [False, True])
def test_article_get_matches_the_orm(world, signed_in):
    viewer, _ = world
    who = viewer if signed_in else None
    for article in Article.objects.all():
        (expected,) = orm_rows(Article.objects.filter(pk=article.pk), who, "body")
        assert article_get(slug=article.slug, viewer=who) == expected
