"""Why articles/selectors.py is hand-written SQL: one page of 20 articles read by the selector
and by the best ORM form of the same read (annotations and subqueries, tags in a second query,
an exact count), in-process on a seeded database, alternating so the machine's drift hits both.
Prints each one's median time per page and the ratio. Both return the same rows
(realworld/articles/tests/test_selectors_match_the_orm.py).

    DATABASE_URL=postgres://.../perf_bench_1k python scripts/bench/orm_vs_sql.py
"""

import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "realworld.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django

django.setup()

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value  # noqa: E402
from django.db.models.functions import Coalesce  # noqa: E402

from realworld.articles.models import Article, ArticleTag, Favorite  # noqa: E402
from realworld.articles.selectors import ArticleFilters, article_list  # noqa: E402
from realworld.common.paging import Page  # noqa: E402
from realworld.profiles.models import Follow  # noqa: E402
from realworld.users.models import User  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
PAGES_PER_ROUND = int(os.environ.get("BENCH_PAGES", "200"))


def orm_page(viewer: User | None, limit: int = 20) -> tuple[list[dict[str, Any]], int]:
    favorites = (
        Favorite.objects.filter(article_id=OuterRef("pk"))
        .order_by()
        .values("article_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    favorited: Any = Value(False)
    following: Any = Value(False)
    if viewer is not None:
        favorited = Exists(Favorite.objects.filter(user_id=viewer.pk, article_id=OuterRef("pk")))
        following = Exists(
            Follow.objects.filter(follower_id=viewer.pk, followee_id=OuterRef("author_id"))
        )
    rows = list(
        Article.objects.annotate(
            favorites_count=Coalesce(Subquery(favorites, output_field=IntegerField()), 0),
            favorited=favorited,
            author_following=following,
        )
        .order_by("-created_at", "-id")
        .values(
            "id", "slug", "title", "description", "created_at", "updated_at", "favorites_count",
            "favorited", "author__username", "author__bio", "author__image", "author_following",
        )[:limit]
    )  # fmt: skip
    tags: dict[int, list[str]] = defaultdict(list)
    pairs = ArticleTag.objects.filter(article_id__in=[r["id"] for r in rows])
    for article_id, name in pairs.values_list("article_id", "tag__name"):
        tags[article_id].append(name)
    for row in rows:
        row["tag_list"] = sorted(tags[row["id"]])
    return rows, Article.objects.count()


def sql_page(viewer: User | None) -> tuple[list[Any], int]:
    return article_list(filters=ArticleFilters(), viewer=viewer, page=Page(limit=20, offset=0))


def per_page_ms(read: Any, viewer: User | None) -> float:
    started = time.perf_counter()
    for _ in range(PAGES_PER_ROUND):
        read(viewer)
    return (time.perf_counter() - started) * 1000 / PAGES_PER_ROUND


def main() -> None:
    viewer = User.objects.order_by("id").first()
    articles = Article.objects.count()
    for who, label in ((None, "anonymous"), (viewer, "signed in")):
        for read in (sql_page, orm_page):  # warm up: connection, prepared statements
            read(who)
        times: dict[str, list[float]] = {"sql": [], "orm": []}
        for _ in range(ROUNDS):
            times["sql"].append(per_page_ms(sql_page, who))
            times["orm"].append(per_page_ms(orm_page, who))
        sql_ms, orm_ms = (statistics.median(times[k]) for k in ("sql", "orm"))
        print(
            f"{articles} articles, {label}: selector {sql_ms:.2f} ms, ORM {orm_ms:.2f} ms"
            f" per page of 20 (median of {ROUNDS} x {PAGES_PER_ROUND});"
            f" ORM / selector = {orm_ms / sql_ms:.2f}"
        )


if __name__ == "__main__":
    main()
