from django.conf import settings
from django.db import models

from realworld.articles.models import Article

COMMENT_MAX_LENGTH = 20_000


class Comment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["article", "-created_at", "-id"], name="comment_by_article_idx")
        ]
