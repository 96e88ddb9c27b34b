"""What the hand-written reads (articles, comments, profiles selectors) share."""

from typing import Any

from django.db import connection


def fetch_dicts(statement: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of `statement`, each a dict keyed by column name (aliases included)."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
