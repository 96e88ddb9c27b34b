"""Reads of comments: one statement per list, rendered once (as profiles/selectors.py)."""

from typing import Any

from psycopg import sql

from realworld.articles.selectors import article_id_by_slug
from realworld.comments.models import Comment
from realworld.common.exceptions import NotFound
from realworld.common.sql import fetch_dicts
from realworld.profiles.selectors import TABLES, following
from realworld.users.models import User
from realworld.users.selectors import viewer_id

# The columns comment_json and the web app's templates read.
COMMENT_ROWS = sql.SQL(
    "SELECT c.id, c.body, c.created_at, c.updated_at, u.username AS author__username,"
    " u.bio AS author__bio, u.image AS author__image, {following} AS author_following"
    " FROM {comment} c JOIN {user} u ON u.id = c.author_id"
).format(
    following=following(sql.SQL("c.author_id")),
    comment=sql.Identifier(Comment._meta.db_table),
    **TABLES,
)
# Most recent first: an index scan of comment_by_article_idx.
COMMENTS_OF_ARTICLE = (
    sql.SQL("{} WHERE c.article_id = {} ORDER BY c.created_at DESC, c.id DESC")
    .format(COMMENT_ROWS, sql.Placeholder("article_id"))
    .as_string()
)
COMMENT_BY_ID = (
    sql.SQL("{} WHERE c.id = {}").format(COMMENT_ROWS, sql.Placeholder("id")).as_string()
)


def comment_list(*, slug: str, viewer: User | None) -> list[dict[str, Any]]:
    """The article's comments, most recent first; 404 when the article does not exist."""
    article_id = article_id_by_slug(slug=slug)
    return fetch_dicts(COMMENTS_OF_ARTICLE, {"article_id": article_id, "viewer": viewer_id(viewer)})


def comment_get(*, comment_id: int, viewer: User | None) -> dict[str, Any]:
    rows = fetch_dicts(COMMENT_BY_ID, {"id": comment_id, "viewer": viewer_id(viewer)})
    if not rows:
        raise NotFound("comment")
    return rows[0]
