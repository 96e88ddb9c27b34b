from django.db import transaction

from realworld.articles.selectors import article_by_slug, article_id_by_slug
from realworld.comments.models import Comment
from realworld.common import ratelimit
from realworld.common.exceptions import Forbidden, NotFound
from realworld.users.models import User

MAX_ID = 2**63 - 1  # ids beyond bigint cannot exist: answer 404, not a database error


@transaction.atomic
def comment_create(*, slug: str, author: User, body: str) -> Comment:
    ratelimit.hit("comment_write", str(author.pk))
    article = article_by_slug(slug=slug)
    return Comment.objects.create(article=article, author=author, body=body)


@transaction.atomic
def comment_delete(*, slug: str, comment_id: int, user: User) -> None:
    ratelimit.hit("comment_write", str(user.pk))
    article_id = article_id_by_slug(slug=slug)
    found = (
        Comment.objects.filter(pk=comment_id, article_id=article_id)
        if comment_id <= MAX_ID
        else None
    )
    comment = found.first() if found is not None else None
    if comment is None:  # unknown, or belongs to another article
        raise NotFound("comment")
    if comment.author_id != user.pk:
        raise Forbidden("comment")
    comment.delete()
