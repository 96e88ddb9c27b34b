"""Bulk-loads a deterministic dataset with COPY, for benchmarks and local exploration.

    python manage.py seed --preset 1k              # 1,000 articles
    python manage.py seed --preset 100k --flush    # 100,000 articles, replacing what is there
    python manage.py seed --users 1000 --articles 10000 --comments 30000 --favorites 50000

Every seeded user can log in: `user<N>@seed.example` (N from 1) with the password `password`.
They share one hash, computed once, so seeding costs no per-user hashing. The same flags give
the same rows (fixed random seed, fixed timestamps). User 1 follows a few authors and has
favorites, so the feed and `?favorited=user1` have something to show.
"""

import random
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from time import monotonic
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction

from realworld.articles.models import Article, ArticleTag, Favorite, Tag
from realworld.comments.models import Comment
from realworld.profiles.models import Follow
from realworld.users.models import User

PASSWORD = "password"  # noqa: S105 - the documented login of seeded (local, throwaway) users
# A fixed salt keeps the dataset byte-for-byte reproducible.
PASSWORD_SALT = "conduitseedsalt"  # noqa: S105
START = datetime(2024, 1, 1, tzinfo=UTC)
PRESETS: dict[str, dict[str, int]] = {
    "1k": {
        "users": 100,
        "articles": 1_000,
        "comments": 3_000,
        "favorites": 5_000,
        "follows": 1_000,
        "tags": 50,
    },
    "100k": {
        "users": 10_000,
        "articles": 100_000,
        "comments": 300_000,
        "favorites": 500_000,
        "follows": 50_000,
        "tags": 500,
    },
}
WORDS = [
    "django",
    "postgres",
    "python",
    "index",
    "query",
    "cache",
    "latency",
    "throughput",
    "worker",
    "socket",
    "request",
    "response",
    "token",
    "article",
    "comment",
    "profile",
    "feed",
    "tag",
    "favorite",
    "follow",
    "deploy",
    "canary",
    "cluster",
    "replica",
    "schema",
    "migration",
    "benchmark",
    "payload",
    "serializer",
    "selector",
    "service",
    "transaction",
]
# Models in dependency order: children are truncated with their parents (CASCADE).
MODELS: Sequence[type[models.Model]] = (User, Tag, Article, ArticleTag, Favorite, Follow, Comment)


def _copy(cursor: Any, model: type[models.Model], columns: list[str], rows: Iterable[tuple]) -> int:
    """COPY rows into the model's table; returns how many were written."""
    table = model._meta.db_table
    count = 0
    with cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _reset_sequence(cursor: Any, model: type[models.Model]) -> None:
    table = model._meta.db_table
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608  # nosec B608 - model names
        f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)'
    )


def _pairs(rng: random.Random, n: int, left: int, right: int, *, distinct: bool = False):
    """n distinct (a, b) pairs with a in 1..left and b in 1..right (a != b when distinct)."""
    n = min(n, left * right - (min(left, right) if distinct else 0))
    seen: set[tuple[int, int]] = set()
    while len(seen) < n:
        pair = (rng.randint(1, left), rng.randint(1, right))
        if not (distinct and pair[0] == pair[1]):
            seen.add(pair)
    return sorted(seen)


class Command(BaseCommand):
    help = "Bulk-load a deterministic dataset (COPY). See the module docstring for logins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--preset", choices=sorted(PRESETS), help="a named size")
        for name in ("users", "articles", "comments", "favorites", "follows", "tags"):
            parser.add_argument(f"--{name}", type=int, help=f"number of {name}")
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        parser.add_argument(
            "--flush", action="store_true", help="delete existing users and content first"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when there are users or articles"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sizes = dict(PRESETS[options["preset"] or "1k"])
        sizes.update({k: options[k] for k in sizes if options.get(k) is not None})
        if sizes["users"] < 1 or any(v < 0 for v in sizes.values()):
            raise CommandError("--users must be at least 1 and the other sizes non-negative")
        started = monotonic()
        has_data = User.objects.exists() or Article.objects.exists()
        if has_data and options["if_empty"] and not options["flush"]:
            self.stdout.write("The database already has users or articles: not seeding.")
            return
        with transaction.atomic(), connection.cursor() as wrapper:
            cursor = wrapper.cursor  # the psycopg cursor, for COPY
            cursor.execute("SET LOCAL statement_timeout = 0")  # a bulk load, not a web request
            if options["flush"]:
                tables = ", ".join(f'"{m._meta.db_table}"' for m in MODELS)
                cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            elif has_data:
                raise CommandError("the database already has users or articles; add --flush")
            written = self._load(cursor, random.Random(options["seed"]), sizes)  # noqa: S311
            for model in MODELS:
                _reset_sequence(cursor, model)
            # The counters kept by triggers (articles migration 0002) were not reset by TRUNCATE.
            cursor.execute("SELECT articles_recount()")
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
            for model in MODELS:  # fresh statistics (and visibility map) for the planner
                cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
        summary = ", ".join(f"{n} {name}" for name, n in written.items())
        self.stdout.write(f"Seeded {summary} in {monotonic() - started:.1f} s.")
        self.stdout.write(f"Log in as user1@seed.example (up to user{sizes['users']}) / {PASSWORD}")

    def _load(self, cursor: Any, rng: random.Random, sizes: dict[str, int]) -> dict[str, int]:
        n_users, n_articles, n_tags = sizes["users"], sizes["articles"], sizes["tags"]
        password = make_password(PASSWORD, salt=PASSWORD_SALT)
        written: dict[str, int] = {}

        def at(i: int) -> datetime:
            return START + timedelta(minutes=i)

        written["users"] = _copy(
            cursor,
            User,
            ["id", "password", "email", "username", "bio", "image", "created_at", "updated_at"],
            (
                (
                    i,
                    password,
                    f"user{i}@seed.example",
                    f"user{i}",
                    f"I am user {i}.",
                    None,
                    at(0),
                    at(0),
                )
                for i in range(1, n_users + 1)
            ),
        )
        written["tags"] = _copy(
            cursor,
            Tag,
            ["id", "name"],
            ((i, f"{WORDS[i % len(WORDS)]}{i}") for i in range(1, n_tags + 1)),
        )

        def article_rows():
            for i in range(1, n_articles + 1):
                title = " ".join(rng.choice(WORDS) for _ in range(5)).capitalize()
                yield (
                    i,
                    f"{title.lower().replace(' ', '-')}-{i}",
                    title,
                    f"What {title.lower()} means in practice, article {i}.",
                    " ".join(rng.choice(WORDS) for _ in range(150)),
                    rng.randint(1, n_users),
                    at(i),
                    at(i),
                )

        written["articles"] = _copy(
            cursor,
            Article,
            ["id", "slug", "title", "description", "body", "author_id", "created_at", "updated_at"],
            article_rows(),
        )

        def article_tag_rows():
            # Zipf-like popularity: a few tags are on many articles, most on few.
            weights = [1 / rank for rank in range(1, n_tags + 1)]
            for article_id in range(1, n_articles + 1):
                if n_tags:
                    picks = set(rng.choices(range(1, n_tags + 1), weights, k=rng.randint(1, 4)))
                    for tag_id in sorted(picks):
                        yield article_id, tag_id

        written["article tags"] = _copy(
            cursor, ArticleTag, ["article_id", "tag_id"], article_tag_rows()
        )
        favorites = _pairs(rng, sizes["favorites"], n_users, n_articles) if n_articles else []
        written["favorites"] = _copy(
            cursor,
            Favorite,
            ["user_id", "article_id", "created_at"],
            ((u, a, at(a)) for u, a in favorites),
        )
        follows = (
            _pairs(rng, sizes["follows"], n_users, n_users, distinct=True) if n_users > 1 else []
        )
        written["follows"] = _copy(
            cursor,
            Follow,
            ["follower_id", "followee_id", "created_at"],
            ((a, b, at(0)) for a, b in follows),
        )
        written["comments"] = _copy(
            cursor,
            Comment,
            ["article_id", "author_id", "body", "created_at", "updated_at"],
            (
                (
                    a,
                    rng.randint(1, n_users),
                    f"Comment {i}: " + " ".join(rng.choices(WORDS, k=20)),
                    at(a + i),
                    at(a + i),
                )
                for i, a in enumerate(
                    (
                        rng.randint(1, n_articles)
                        for _ in range(sizes["comments"] if n_articles else 0)
                    ),
                    1,
                )
            ),
        )
        return written
