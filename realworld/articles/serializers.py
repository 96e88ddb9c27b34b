"""Request validation and response bodies for /articles and /tags."""

import datetime
from collections.abc import Callable
from typing import Any, TypedDict, cast, get_type_hints

from rest_framework import serializers

from realworld.articles.models import (
    BODY_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    MAX_TAGS,
    SEARCH_MAX_LENGTH,
    TAG_MAX_LENGTH,
    TITLE_MAX_LENGTH,
)
from realworld.articles.selectors import (
    ARTICLE_COLUMNS,
    BODY_COLUMNS,
    ArticleDetailRow,
    ArticleRow,
    Column,
)
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
    """The list's filters, by the names selectors.ArticleNarrow and its SQL terms use; the
    schema documents these fields as the query parameters of GET /api/articles."""

    tag = text(max_length=TAG_MAX_LENGTH, required=False, help_text="Filter by tag")
    author = text(
        max_length=USERNAME_MAX_LENGTH, required=False, help_text="Filter by author (username)"
    )
    favorited = text(
        max_length=USERNAME_MAX_LENGTH, required=False, help_text="Filter by a user's favorites"
    )
    search = text(
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        help_text=(
            "Extension (not in the RealWorld spec): full-text search over title, description,"
            ' body and tags, in web-search syntax (words, "a phrase", or, -word), best match'
            " first. Combines with the other filters."
        ),
    )


class ListFilters(TypedDict, total=False):
    """The list filters that are set: what ArticleNarrow takes for a list."""

    tag: str
    author: str
    favorited: str
    search: str


LIST_FILTER_LENGTHS: dict[str, int] = {
    name: cast(int, cast(serializers.CharField, field).max_length)
    for name, field in ArticleListQuerySerializer().fields.items()
}


def list_filters_from_query(query_params: Any) -> ListFilters:
    """?tag=, ?author=, ?favorited=, ?search= validated; a 422 (ValidationError) for a bad one."""
    found = plain_list_filters(query_params)
    if found is None:  # anything unusual: the serializer decides (and words the error)
        query = ArticleListQuerySerializer(data=query_params)
        query.is_valid(raise_exception=True)
        found = cast(ListFilters, dict(query.validated_data))
    return found


def plain_list_filters(query_params: Any) -> ListFilters | None:
    """The filters of plain values (non-blank, no surrounding space, within length, storable),
    as they are, without building a serializer; None for anything else. Wherever it answers,
    ArticleListQuerySerializer gives the same filters (articles/tests/test_list_query.py)."""
    found: dict[str, str] = {}
    for name, max_length in LIST_FILTER_LENGTHS.items():
        if name not in query_params:
            continue
        value = query_params[name]
        if not (value and value == value.strip() and len(value) <= max_length and storable(value)):
            return None
        found[name] = value
    return cast(ListFilters, found)


# --- Response bodies: plain dicts (built straight from selector rows), documented below -----


# The API's article, from the row's declaration (selectors.ArticleRow): each field that has an
# API name, under it (timestamps as ISO strings), then the author.
def _api_fields(columns: dict[str, Column]) -> tuple[tuple[str, str, bool], ...]:
    """(row field, API name, is a timestamp) of each field the API shows as it is."""
    hints = get_type_hints(ArticleDetailRow)
    return tuple(
        (name, column.api, hints[name] is datetime.datetime)
        for name, column in columns.items()
        if column.api is not None
    )


SUMMARY_FIELDS = _api_fields(ARTICLE_COLUMNS)
DETAIL_FIELDS = SUMMARY_FIELDS + _api_fields(BODY_COLUMNS)


def article_json(row: ArticleRow | ArticleDetailRow, *, with_body: bool) -> dict[str, Any]:
    fields = DETAIL_FIELDS if with_body else SUMMARY_FIELDS
    article: dict[str, Any] = {
        api: iso_timestamp(row[name]) if timestamp else row[name]  # type: ignore[literal-required]
        for name, api, timestamp in fields
    }
    article["author"] = author_json(row)
    return article


def articles_page_body(rows: list[ArticleRow], count: int) -> dict[str, Any]:
    # List items omit `body` (RealWorld spec, since 2024-08).
    return {
        "articles": [article_json(row, with_body=False) for row in rows],
        "articlesCount": count,
    }


# The documented article: the same declaration, typed for the schema (tests/test_api_schema.py
# holds it to the real responses).
DOC_FIELD_TYPES: dict[Any, Callable[[], serializers.Field]] = {
    str: serializers.CharField,
    str | None: lambda: serializers.CharField(allow_null=True),
    int: serializers.IntegerField,
    bool: serializers.BooleanField,
    datetime.datetime: serializers.DateTimeField,
    list[str]: lambda: serializers.ListField(child=serializers.CharField()),
}


def _article_doc(
    name: str, fields: tuple[tuple[str, str, bool], ...]
) -> type[serializers.Serializer]:
    hints = get_type_hints(ArticleDetailRow)
    declared = {api: DOC_FIELD_TYPES[hints[row_name]]() for row_name, api, _ in fields}
    return type(name, (serializers.Serializer,), {**declared, "author": ProfileDoc()})


ArticleSummaryDoc = _article_doc("ArticleSummaryDoc", SUMMARY_FIELDS)
ArticleDoc = _article_doc("ArticleDoc", DETAIL_FIELDS)


class ArticleResponseDoc(serializers.Serializer):
    article = ArticleDoc()


class ArticlesResponseDoc(serializers.Serializer):
    articles = ArticleSummaryDoc(many=True)
    articlesCount = serializers.IntegerField()


class TagsResponseDoc(serializers.Serializer):
    tags = serializers.ListField(child=serializers.CharField())
