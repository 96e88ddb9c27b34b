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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "realworld.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
# The SQL itself, not the anonymous read cache in front of it (common/read_cache.py).
os.environ["CONTENT_CACHE_MAX_BYTES"] = "0"

import django

django.setup()

from realworld.articles.models import Article  # noqa: E402
from realworld.articles.selectors import ArticleNarrow, article_list  # noqa: E402
from realworld.common.paging import Page  # noqa: E402
from realworld.users.models import User  # noqa: E402
from tests.support.orm_reference import orm_rows  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
PAGES_PER_ROUND = int(os.environ.get("BENCH_PAGES", "200"))


def orm_page(viewer: User | None, limit: int = 20) -> tuple[list[dict[str, Any]], int]:
    return orm_rows(Article.objects.all(), viewer, limit=limit), Article.objects.count()


def sql_page(viewer: User | None) -> tuple[list[Any], int]:
    return article_list(filters=ArticleNarrow(), viewer=viewer, page=Page(limit=20, offset=0))


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
