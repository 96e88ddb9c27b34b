"""Abuse limits: fixed-window counters in PostgreSQL, incremented atomically.

Why not DRF's throttles on Django's cache: the database cache culls a third of its keys when
full, so a flood of fresh keys (new emails) emptied the login counters; and DRF reads, then
writes, each counter, so a concurrent burst overshoots. Here each count is one statement,
`INSERT ... ON CONFLICT DO UPDATE ... WHERE count < limit RETURNING count`: the row lock orders
concurrent attempts, a refused attempt writes nothing, and rows live until their window ends.
The counters share the app's database, so every worker and pod sees them; no other store is
needed. Rates come from settings.THROTTLE_RATES ("<count>/<s|min|hour|day>", env THROTTLE_*),
read on each call so tests can change them.

One clock: the database's. Windows, their keys, expiry and the wait a refusal reports are all
computed from PostgreSQL's now(), which the cleanup and `remembered` compare against; the app's
clock (a pod's, possibly skewed) never enters a counter.
"""

import hashlib
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from realworld import metrics
from realworld.common.exceptions import ApplicationError
from realworld.common.models import RateCounter

TABLE = RateCounter._meta.db_table
PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600}
PERIODS |= {"hour": 3600, "d": 86400, "day": 86400}
CLEANUP_PROBABILITY = 0.01  # about one call in a hundred deletes expired rows

# The current window of `seconds` by the database's clock: its index, and when it ends.
_WINDOW = "floor(extract(epoch from now()) / %(seconds)s)::bigint"
_WINDOW_END = f"to_timestamp(({_WINDOW} + 1) * %(seconds)s)"
_HIT = f"""
INSERT INTO {TABLE} (key, count, expires_at)
VALUES (%(prefix)s || {_WINDOW}, 1, {_WINDOW_END})
ON CONFLICT (key) DO UPDATE SET count = {TABLE}.count + 1 WHERE {TABLE}.count < %(limit)s
RETURNING count
"""  # noqa: S608  # nosec B608 - the table name is the model's, values are parameters
_WAIT = f"SELECT ceil(extract(epoch from {_WINDOW_END} - now()))::int"  # noqa: S608  # nosec B608
_ADD = f"""
INSERT INTO {TABLE} (key, count, expires_at)
VALUES (%(key)s, 1, now() + make_interval(secs => %(seconds)s))
ON CONFLICT (key) DO UPDATE SET count = {TABLE}.count + 1,
    expires_at = greatest({TABLE}.expires_at, excluded.expires_at)
"""  # noqa: S608  # nosec B608
_RELEASE = f"UPDATE {TABLE} SET count = count - 1 WHERE key = %(prefix)s || {_WINDOW} AND count > 0"  # noqa: S608  # nosec B608
_COUNT = f"SELECT count FROM {TABLE} WHERE key = %(key)s AND expires_at > now()"  # noqa: S608  # nosec B608
_CLEANUP = f"DELETE FROM {TABLE} WHERE expires_at < now()"  # noqa: S608  # nosec B608


class RateLimited(ApplicationError):
    """Too many attempts; `wait` is how many seconds until the window ends."""

    def __init__(self, wait: int) -> None:
        super().__init__({"requests": [f"are too frequent (retry in {wait} s)"]})
        self.wait = wait


@dataclass(frozen=True)
class Window:
    limit: int
    seconds: int

    @classmethod
    def for_scope(cls, scope: str) -> "Window":
        count, _, period = settings.THROTTLE_RATES[scope].partition("/")
        return cls(limit=int(count), seconds=PERIODS[period])


def _prefix(scope: str, ident: str) -> str:
    """The counter's key without its window index (the database appends that)."""
    return f"{scope}:{_digest(ident)}:"


def _digest(ident: str) -> str:
    # Emails and addresses are not stored as such; surrogatepass: any text can be keyed.
    return hashlib.sha256(ident.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()[:40]


def _execute(sql: str, params: dict) -> tuple | None:
    with connection.cursor() as cursor:
        if random.random() < CLEANUP_PROBABILITY:  # noqa: S311 - not a secret
            cursor.execute(_CLEANUP)
        cursor.execute(sql, params)
        return cursor.fetchone() if cursor.description else None


def hit(scope: str, ident: str) -> None:
    """Counts one attempt; raises RateLimited (and counts nothing) when the limit is reached."""
    window = Window.for_scope(scope)
    params = {"prefix": _prefix(scope, ident), "seconds": window.seconds, "limit": window.limit}
    if _execute(_HIT, params) is None:
        metrics.THROTTLED.labels(limit=scope).inc()
        if scope.startswith("login_"):
            metrics.LOGINS.labels(outcome="throttled").inc()
        waited = _execute(_WAIT, {"seconds": window.seconds})
        raise RateLimited(max(1, int(waited[0])) if waited else window.seconds)


def release(scope: str, ident: str) -> None:
    """Gives back one attempt counted by `hit` in the current window (it turned out fine)."""
    window = Window.for_scope(scope)
    _execute(_RELEASE, {"prefix": _prefix(scope, ident), "seconds": window.seconds})


def remember(fact: str, ident: str, *, seconds: int) -> None:
    """Keeps `fact` about `ident` for `seconds` (e.g. a known address of an account)."""
    _execute(_ADD, {"key": f"{fact}:{_digest(ident)}", "seconds": seconds})


def remembered(fact: str, ident: str) -> bool:
    return _execute(_COUNT, {"key": f"{fact}:{_digest(ident)}"}) is not None
