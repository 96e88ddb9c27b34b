"""Reads for articles: a fixed number of queries whatever the page size.

Every row is built in one query: `favoritesCount`, `favorited` and `author.following` are
subqueries, not per-row lookups; tags come in one more query for the whole page.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from realworld.articles.models import Article, ArticleTag, Favorite, Tag
from realworld.common.pagination import Page
from realworld.profiles.models import Follow
from realworld.profiles.selectors import following_annotation
from realworld.users.models import User

ROW_FIELDS = (
    "id",
    "slug",
    "title",
    "description",
    "created_at",
    "updated_at",
    "favorites_count",
    "favorited",
    "author__username",
    "author__bio",
    "author__image",
    "author_following",
)


@dataclass(frozen=True)
class ArticleFilters:
    tag: str | None = None
    author: str | None = None
    favorited: str | None = None


def _viewer_id(viewer: User | None) -> int | None:
    return viewer.pk if viewer is not None and viewer.is_authenticated else None


def _annotated(queryset: QuerySet[Article], *, viewer: User | None) -> QuerySet[Article]:
    favorites_count = (
        Favorite.objects.filter(article_id=OuterRef("pk"))
        .order_by()
        .values("article_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    viewer_id = _viewer_id(viewer)
    favorited: Any = (
        Exists(Favorite.objects.filter(user_id=viewer_id, article_id=OuterRef("pk")))
        if viewer_id is not None
        else Value(False)
    )
    return queryset.annotate(
        favorites_count=Coalesce(Subquery(favorites_count, output_field=IntegerField()), 0),
        favorited=favorited,
        author_following=following_annotation(viewer=viewer, author_field="author_id"),
    )


def _tags_by_article(article_ids: list[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = defaultdict(list)
    pairs = ArticleTag.objects.filter(article_id__in=article_ids).values_list(
        "article_id", "tag__name"
    )
    for article_id, name in pairs:
        tags[article_id].append(name)
    for names in tags.values():
        names.sort()
    return tags


def _filtered(filters: ArticleFilters) -> QuerySet[Article]:
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


def _page_of(
    queryset: QuerySet[Article], *, viewer: User | None, page: Page
) -> tuple[list[dict[str, Any]], int]:
    count = queryset.count()
    rows = list(
        _annotated(queryset, viewer=viewer)
        .order_by("-created_at", "-id")
        .values(*ROW_FIELDS)[page.offset : page.offset + page.limit]
    )
    tags = _tags_by_article([row["id"] for row in rows]) if rows else {}
    for row in rows:
        row["tag_list"] = tags.get(row["id"], [])
    return rows, count


def article_list(
    *, filters: ArticleFilters, viewer: User | None, page: Page
) -> tuple[list[dict[str, Any]], int]:
    """A page of articles (most recent first) and the total number matching the filters."""
    return _page_of(_filtered(filters), viewer=viewer, page=page)


def article_feed(*, viewer: User, page: Page) -> tuple[list[dict[str, Any]], int]:
    """A page of articles by the authors the viewer follows, and their total number."""
    followed = Follow.objects.filter(follower_id=viewer.pk).values("followee_id")
    return _page_of(Article.objects.filter(author_id__in=followed), viewer=viewer, page=page)


def article_get(*, slug: str, viewer: User | None) -> dict[str, Any]:
    row = (
        _annotated(Article.objects.filter(slug=slug), viewer=viewer)
        .values(*ROW_FIELDS, "body")
        .first()
    )
    if row is None:
        raise Http404
    row["tag_list"] = _tags_by_article([row["id"]]).get(row["id"], [])
    return row


def tag_list() -> list[str]:
    """Names of the tags in use on at least one article."""
    in_use = ArticleTag.objects.filter(tag_id=OuterRef("pk"))
    return list(Tag.objects.filter(Exists(in_use)).order_by("name").values_list("name", flat=True))
