"""Reads of profiles: one statement each, rendered once (docs/benchmarks-history.md "Plain GETs":
the ORM form of a one-row read spent longer compiling its SQL than the query took)."""

from typing import Any

from django.db import connection
from psycopg import sql

from realworld.common.exceptions import NotFound
from realworld.common.text import storable
from realworld.profiles.models import Follow
from realworld.users.models import User
from realworld.users.selectors import viewer_id

TABLES = {
    "user": sql.Identifier(User._meta.db_table),
    "follow": sql.Identifier(Follow._meta.db_table),
}
VIEWER = sql.Placeholder("viewer")  # NULL for anonymous readers: `following` is then false


def following(author_id: sql.Composable) -> sql.Composed:
    """Does the viewer follow the user whose id is `author_id`? (A column expression.)"""
    return sql.SQL(
        "EXISTS (SELECT 1 FROM {follow} w WHERE w.follower_id = {viewer} AND w.followee_id = {id})"
    ).format(id=author_id, viewer=VIEWER, **TABLES)


PROFILE_BY_USERNAME = (
    sql.SQL(
        "SELECT u.username, u.bio, u.image, {following} AS following FROM {user} u"
        " WHERE u.username = {username}"
    )
    .format(following=following(sql.SQL("u.id")), username=sql.Placeholder("username"), **TABLES)
    .as_string()
)


def profile_get(*, username: str, viewer: User | None) -> dict[str, Any]:
    if not storable(username):
        raise NotFound("profile")
    with connection.cursor() as cursor:
        cursor.execute(PROFILE_BY_USERNAME, {"username": username, "viewer": viewer_id(viewer)})
        found = cursor.fetchone()
    if found is None:
        raise NotFound("profile")
    return dict(zip(("username", "bio", "image", "following"), found, strict=True))
