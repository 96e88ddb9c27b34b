from django.conf import settings
from django.db import models


class Tag(models.Model):
    name = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    slug = models.SlugField(max_length=255, unique=True, allow_unicode=True)
    title = models.CharField(max_length=255)
    description = models.CharField(max_length=2000)
    body = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="articles"
    )
    tags: "models.ManyToManyField[Tag, ArticleTag]" = models.ManyToManyField(
        Tag, through="ArticleTag", related_name="articles"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # Lists are "most recent first"; these serve the global list and ?author= / the feed.
            models.Index(fields=["-created_at", "-id"], name="article_recent_idx"),
            models.Index(fields=["author", "-created_at", "-id"], name="article_author_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.slug


class ArticleTag(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "tag"], name="article_tag_unique"),
        ]
        indexes = [models.Index(fields=["tag", "article"], name="article_tag_by_tag_idx")]


class Favorite(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorites"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="favorites")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "article"], name="favorite_unique"),
        ]
        indexes = [models.Index(fields=["article"], name="favorite_by_article_idx")]
