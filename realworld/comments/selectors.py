from typing import Any

from realworld.articles.selectors import article_id_by_slug
from realworld.comments.models import Comment
from realworld.common.exceptions import NotFound
from realworld.profiles.selectors import following_annotation
from realworld.users.models import User

ROW_FIELDS = (
    "id",
    "body",
    "created_at",
    "updated_at",
    "author__username",
    "author__bio",
    "author__image",
    "author_following",
)


def _comments(viewer: User | None):
    return Comment.objects.annotate(
        author_following=following_annotation(viewer=viewer, author_field="author_id")
    ).values(*ROW_FIELDS)


def comment_list(*, slug: str, viewer: User | None) -> list[dict[str, Any]]:
    """The article's comments, most recent first; 404 when the article does not exist."""
    article_id = article_id_by_slug(slug=slug)
    return list(_comments(viewer).filter(article_id=article_id).order_by("-created_at", "-id"))


def comment_get(*, comment_id: int, viewer: User | None) -> dict[str, Any]:
    row = _comments(viewer).filter(pk=comment_id).first()
    if row is None:
        raise NotFound("comment")
    return row
