from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models

TITLE_MAX_LENGTH = 255
DESCRIPTION_MAX_LENGTH = 2000
BODY_MAX_LENGTH = 100_000
TAG_MAX_LENGTH = 64
MAX_TAGS = 20
# The text search configuration of the search vector (migration 0005) and of every query on it.
SEARCH_CONFIG = "english"
SEARCH_MAX_LENGTH = 200  # characters of a search (?search=, /search?q=)


class Tag(models.Model):
    name = models.CharField(max_length=TAG_MAX_LENGTH, unique=True)
    # How many articles carry the tag: kept exact by database triggers in the same transaction
    # as every write of a tag link, whatever writes it (triggers.py). Never set it from Python.
    articles_count = models.IntegerField(db_default=0, editable=False)

    class Meta:
        indexes = [
            # GET /api/tags: the tags in use, in name order, without touching the links.
            models.Index(
                fields=["name"], condition=models.Q(articles_count__gt=0), name="tag_in_use_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    slug = models.SlugField(max_length=255, unique=True, allow_unicode=True)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.CharField(max_length=DESCRIPTION_MAX_LENGTH)
    body = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="articles"
    )
    tags: "models.ManyToManyField[Tag, ArticleTag]" = models.ManyToManyField(
        Tag, through="ArticleTag", related_name="articles"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Title (weight A), tag names and description (B), body (C): computed by database triggers
    # in the writing transaction, whatever writes (migration 0005). Never set it from Python.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        indexes = [
            # Lists are "most recent first"; these serve the global list and ?author= / the feed.
            models.Index(fields=["-created_at", "-id"], name="article_recent_idx"),
            models.Index(fields=["author", "-created_at", "-id"], name="article_author_recent_idx"),
            # ?search= and /search: `search_vector @@ websearch_to_tsquery(...)`.
            GinIndex(fields=["search_vector"], name="article_search_idx"),
        ]

    def __str__(self) -> str:
        return self.slug


class ArticleTag(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)
    # A copy of the article's created_at (filled by a database trigger on insert, triggers.py),
    # so ?tag= reads one tag's most recent articles in index order and stops at the page.
    article_created_at = models.DateTimeField(null=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "tag"], name="article_tag_unique"),
        ]
        indexes = [
            models.Index(fields=["tag", "article"], name="article_tag_by_tag_idx"),
            models.Index(
                fields=["tag", "-article_created_at", "-article"], name="article_tag_recent_idx"
            ),
        ]


class Counter(models.Model):
    """Values kept by database triggers in the writing transaction, whatever writes
    (triggers.py lists them all).

    "articles" (migration 0002): the number of articles, so the unfiltered `articlesCount` is
    one primary-key read instead of a COUNT(*) that grows with the table.
    "content" (migrations 0003, 0004): the content version of the anonymous read cache
    (common/read_cache.py), new at the commit of any write of an article, a tag link,
    a favorite, a comment, a user's username, bio or image, a registration or a deletion.
    """

    name = models.CharField(max_length=32, primary_key=True)
    value = models.BigIntegerField(db_default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


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
