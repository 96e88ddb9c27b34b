"""Reads of users."""

from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone
from psycopg import sql

from realworld.users.models import User

_FIELDS = User._meta.concrete_fields
_ATTRIBUTES = [field.attname for field in _FIELDS]
# The row of one user by id, as Model.from_db takes it. Every signed-in request reads it, so it
# is one statement rendered once, not a queryset: compiling `filter(pk=...).first()` cost more
# than the query's own round trip (docs/benchmarks-history.md "Plain GETs").
USER_BY_ID = (
    sql.SQL("SELECT {} FROM {} WHERE id = %s")
    .format(
        sql.SQL(", ").join(sql.Identifier(field.column) for field in _FIELDS),
        sql.Identifier(User._meta.db_table),
    )
    .as_string()
)

# The web session a page's token names, by the digest of its key (users migration 0003 indexes
# exactly this expression).
LIVE_SESSION_BY_DIGEST = (
    sql.SQL(
        "SELECT 1 FROM {} WHERE encode(sha256(decode(session_key, 'escape')), 'hex') = %s"
        " AND expire_date > %s"
    )
    .format(sql.Identifier(Session._meta.db_table))
    .as_string()
)


def user_by_id(user_id: int) -> User | None:
    with connection.cursor() as cursor:
        cursor.execute(USER_BY_ID, [user_id])
        row = cursor.fetchone()
    return User.from_db(connection.alias, _ATTRIBUTES, row) if row else None


def viewer_id(viewer: User | None) -> int | None:
    """The id a read binds as its viewer: None for anonymous readers (no flags are then set)."""
    return viewer.pk if viewer is not None and viewer.is_authenticated else None


def web_session_is_live(key_digest: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(LIVE_SESSION_BY_DIGEST, [key_digest, timezone.now()])
        return cursor.fetchone() is not None
