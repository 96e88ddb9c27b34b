"""The ORM form of the article read that articles/selectors.py writes by hand: the reference
its equality test (articles/tests/test_selectors_match_the_orm.py) compares against, and the
other side of scripts/bench/orm_vs_sql.py."""

from collections import defaultdict
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from realworld.articles.models import Article, ArticleTag, Favorite
from realworld.articles.selectors import ARTICLE_COLUMNS
from realworld.profiles.models import Follow
from realworld.users.models import User

# The row's fields (selectors.ArticleRow) that are columns or annotations here; the tags come
# from a second query.
FIELDS = tuple(name for name in ARTICLE_COLUMNS if name != "tag_list")


def orm_rows(
    queryset: QuerySet[Article], viewer: User | None, *fields: str, limit: int | None = None
) -> list[dict[str, Any]]:
    """The rows, most recent first (the first `limit` only, if given), with favoritesCount,
    favorited, author.following as annotations and the tags, sorted, from a second query."""
    viewer_id = viewer.pk if viewer else None
    favorites = (
        Favorite.objects.filter(article_id=OuterRef("pk"))
        .order_by()
        .values("article_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    favorited: Any = Value(False)
    following: Any = Value(False)
    if viewer_id is not None:
        favorited = Exists(Favorite.objects.filter(user_id=viewer_id, article_id=OuterRef("pk")))
        following = Exists(
            Follow.objects.filter(follower_id=viewer_id, followee_id=OuterRef("author_id"))
        )
    ordered = (
        queryset.annotate(
            favorites_count=Coalesce(Subquery(favorites, output_field=IntegerField()), 0),
            favorited=favorited,
            author_following=following,
        )
        .order_by("-created_at", "-id")
        .values(*FIELDS, *fields)
    )
    rows = list(ordered[:limit] if limit is not None else ordered)
    tags: dict[int, list[str]] = defaultdict(list)
    pairs = ArticleTag.objects.filter(article_id__in=[r["id"] for r in rows])
    for article_id, name in pairs.values_list("article_id", "tag__name"):
        tags[article_id].append(name)
    for row in rows:
        row["tag_list"] = sorted(tags[row["id"]])
    return rows
