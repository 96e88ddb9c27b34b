"""Request validation and response bodies for /articles and /tags."""

from typing import Any, cast

from rest_framework import serializers

from realworld.articles.models import (
    BODY_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    MAX_TAGS,
    TAG_MAX_LENGTH,
    TITLE_MAX_LENGTH,
)
from realworld.articles.selectors import ArticleDetailRow, ArticleRow
from realworld.common import messages
from realworld.common.inputs import text
from realworld.common.text import storable
from realworld.common.timestamps import iso_timestamp
from realworld.profiles.serializers import ProfileDoc, author_json
from realworld.users.models import USERNAME_MAX_LENGTH


def tag_list_field(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=text(max_length=TAG_MAX_LENGTH),
        max_length=MAX_TAGS,
        error_messages=messages.field_messages(max_length=MAX_TAGS, unit="tags"),
        source="tag_list",  # the services' name for it
        **kwargs,
    )


class ArticleCreateSerializer(serializers.Serializer):
    title = text(max_length=TITLE_MAX_LENGTH)
    description = text(max_length=DESCRIPTION_MAX_LENGTH)
    body = text(max_length=BODY_MAX_LENGTH, trim_whitespace=False)
    tagList = tag_list_field(required=False, default=list)


class ArticleUpdateSerializer(serializers.Serializer):
    title = text(max_length=TITLE_MAX_LENGTH, required=False)
    description = text(max_length=DESCRIPTION_MAX_LENGTH, required=False)
    body = text(max_length=BODY_MAX_LENGTH, required=False, trim_whitespace=False)
    tagList = tag_list_field(required=False)


class ArticleListQuerySerializer(serializers.Serializer):
    tag = text(max_length=TAG_MAX_LENGTH, required=False)
    author = text(max_length=USERNAME_MAX_LENGTH, required=False)
    favorited = text(max_length=USERNAME_MAX_LENGTH, required=False)


LIST_FILTER_LENGTHS = {
    "tag": TAG_MAX_LENGTH,
    "author": USERNAME_MAX_LENGTH,
    "favorited": USERNAME_MAX_LENGTH,
}


def list_filters_from_query(query_params: Any) -> dict[str, str]:
    """?tag=, ?author=, ?favorited= validated; a 422 (ValidationError) for a bad one."""
    found = plain_list_filters(query_params)
    if found is None:  # anything unusual: the serializer decides (and words the error)
        query = ArticleListQuerySerializer(data=query_params)
        query.is_valid(raise_exception=True)
        found = dict(query.validated_data)
    return found


def plain_list_filters(query_params: Any) -> dict[str, str] | None:
    """The filters of plain values (non-blank, no surrounding space, within length, storable),
    as they are, without building a serializer; None for anything else. Wherever it answers,
    ArticleListQuerySerializer gives the same filters (articles/tests/test_list_query.py)."""
    found = {}
    for name, max_length in LIST_FILTER_LENGTHS.items():
        if name not in query_params:
            continue
        value = query_params[name]
        if not (value and value == value.strip() and len(value) <= max_length and storable(value)):
            return None
        found[name] = value
    return found


# --- Response bodies: plain dicts (built straight from selector rows), documented below -----


def article_json(row: ArticleRow | ArticleDetailRow, *, with_body: bool) -> dict[str, Any]:
    article: dict[str, Any] = {
        "slug": row["slug"],
        "title": row["title"],
        "description": row["description"],
        "tagList": row["tag_list"],
        "createdAt": iso_timestamp(row["created_at"]),
        "updatedAt": iso_timestamp(row["updated_at"]),
        "favorited": row["favorited"],
        "favoritesCount": row["favorites_count"],
        "author": author_json(row),
    }
    if with_body:
        article["body"] = cast(ArticleDetailRow, row)["body"]
    return article


def articles_page_body(rows: list[ArticleRow], count: int) -> dict[str, Any]:
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
