"""list_filters_from_query gives exactly what ArticleListQuerySerializer gives, error messages
included, whether it takes its plain path or not."""

import pytest
from django.http import QueryDict
from rest_framework.exceptions import ValidationError

from realworld.articles.serializers import ArticleListQuerySerializer, list_filters_from_query

QUERIES = [
    "",
    "tag=dragons",
    "author=jake&favorited=jane",
    "tag=a&author=b&favorited=c",
    "tag=",
    "tag=%20",
    "tag=%20dragons%20",
    "tag=dragons%0A",
    "tag=" + "x" * 64,
    "tag=" + "x" * 65,
    "author=" + "y" * 200,
    "tag=%00",
    "tag=caf%C3%A9",
    "tag=a&tag=b",
    "limit=5&tag=x",
    "author=&favorited=jane",
    "search=read+cache",
    "search=%22a+phrase%22+-not",
    "search=%20padded%20",
    "search=" + "s" * 201,
    "search=&tag=x",
]


def answer(function, query: QueryDict):
    try:
        return function(query)
    except ValidationError as error:
        return str(error.detail)


def serializer_filters(query: QueryDict):
    serializer = ArticleListQuerySerializer(data=query)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@pytest.mark.parametrize("raw", QUERIES)
def test_same_answer_as_the_serializer(raw: str) -> None:
    query = QueryDict(raw)
    assert answer(list_filters_from_query, query) == answer(serializer_filters, query)
