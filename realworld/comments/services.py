from django.db import transaction

from realworld.articles.models import Article
from realworld.comments.models import Comment
from realworld.common.exceptions import Forbidden, NotFound
from realworld.users.models import User

MAX_ID = 2**63 - 1  # ids beyond bigint cannot exist: answer 404, not a database error


@transaction.atomic
def comment_create(*, slug: str, author: User, body: str) -> Comment:
    article = Article.objects.filter(slug=slug).first()
    if article is None:
        raise NotFound("article")
    return Comment.objects.create(article=article, author=author, body=body)


@transaction.atomic
def comment_delete(*, slug: str, comment_id: int, user: User) -> None:
    comment = (
        Comment.objects.filter(pk=comment_id, article__slug=slug).first()
        if comment_id <= MAX_ID
        else None
    )
    if comment is None:  # unknown, or belongs to another article
        if not Article.objects.filter(slug=slug).exists():
            raise NotFound("article")
        raise NotFound("comment")
    if comment.author_id != user.pk:
        raise Forbidden("comment")
    comment.delete()
