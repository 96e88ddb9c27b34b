"""Request validation and response bodies for /articles and /tags."""

from typing import Any

from rest_framework import serializers

from realworld.common.timestamps import iso_timestamp
from realworld.profiles.serializers import ProfileDoc

BLANK: dict[str, Any] = {
    "blank": "can't be blank",
    "required": "can't be blank",
    "null": "can't be blank",
}
MAX_TAGS = 20


def tag_name_field() -> serializers.CharField:
    return serializers.CharField(max_length=64, error_messages=BLANK)


class ArticleCreateSerializer(serializers.Serializer):
    class NewArticle(serializers.Serializer):
        title = serializers.CharField(max_length=255, error_messages=BLANK)
        description = serializers.CharField(max_length=2000, error_messages=BLANK)
        body = serializers.CharField(error_messages=BLANK, trim_whitespace=False)
        tagList = serializers.ListField(
            child=tag_name_field(), required=False, default=list, max_length=MAX_TAGS
        )

    article = NewArticle()


class ArticleUpdateSerializer(serializers.Serializer):
    class UpdateArticle(serializers.Serializer):
        title = serializers.CharField(max_length=255, required=False, error_messages=BLANK)
        description = serializers.CharField(max_length=2000, required=False, error_messages=BLANK)
        body = serializers.CharField(required=False, error_messages=BLANK, trim_whitespace=False)
        tagList = serializers.ListField(child=tag_name_field(), required=False, max_length=MAX_TAGS)

    article = UpdateArticle()


class ArticleListQuerySerializer(serializers.Serializer):
    tag = serializers.CharField(required=False, max_length=64)
    author = serializers.CharField(required=False, max_length=64)
    favorited = serializers.CharField(required=False, max_length=64)


def article_input(validated: dict[str, Any]) -> dict[str, Any]:
    """Maps the spec's camelCase input onto the services' keyword arguments."""
    data = dict(validated)
    if "tagList" in data:
        data["tag_list"] = data.pop("tagList")
    return data


# --- Response bodies: plain dicts (built straight from selector rows), documented below -----


def article_json(row: dict[str, Any], *, with_body: bool) -> dict[str, Any]:
    article = {
        "slug": row["slug"],
        "title": row["title"],
        "description": row["description"],
        "tagList": row["tag_list"],
        "createdAt": iso_timestamp(row["created_at"]),
        "updatedAt": iso_timestamp(row["updated_at"]),
        "favorited": row["favorited"],
        "favoritesCount": row["favorites_count"],
        "author": {
            "username": row["author__username"],
            "bio": row["author__bio"],
            "image": row["author__image"],
            "following": row["author_following"],
        },
    }
    if with_body:
        article["body"] = row["body"]
    return article


def articles_page_body(rows: list[dict[str, Any]], count: int) -> dict[str, Any]:
    # List items omit `body` (RealWorld spec, since 2024-08).
    return {
        "articles": [article_json(row, with_body=False) for row in rows],
        "articlesCount": count,
    }


class ArticleSummaryDoc(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    tagList = serializers.ListField(child=serializers.CharField())
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    favorited = serializers.BooleanField()
    favoritesCount = serializers.IntegerField()
    author = ProfileDoc()


class ArticleDoc(ArticleSummaryDoc):
    body = serializers.CharField()


class ArticleResponseDoc(serializers.Serializer):
    article = ArticleDoc()


class ArticlesResponseDoc(serializers.Serializer):
    articles = ArticleSummaryDoc(many=True)
    articlesCount = serializers.IntegerField()


class TagsResponseDoc(serializers.Serializer):
    tags = serializers.ListField(child=serializers.CharField())
