"""page_from_query's plain path gives exactly what PageParamsSerializer gives, and leaves every
other input (and its error message) to the serializer."""

import pytest
from django.http import QueryDict
from rest_framework.exceptions import ValidationError

from realworld.common.page_query import PageParamsSerializer, page_from_query, plain_page
from realworld.common.paging import MAX_LIMIT, Page

QUERIES = [
    "",
    "limit=5",
    "offset=3",
    "limit=20&offset=40",
    f"limit={MAX_LIMIT + 50}",
    "limit=999999999",
    "limit=0",
    "limit=-5",
    "limit=+5",
    "limit=5.0",
    "limit=5.5",
    "limit=%205",
    "limit=",
    "offset=",
    "limit=abc",
    "offset=abc",
    "limit=\uff11\uff12",  # full-width digits: int() takes them, the plain path does not
    "limit=1_0",
    "offset=10000000000",
    "offset=999999999",
    "limit=3&limit=7",
    "limit=" + "9" * 1001,
]


def serializer_page(query: QueryDict) -> Page | str:
    params = PageParamsSerializer(data=query)
    if not params.is_valid():
        return str(params.errors)
    data = params.validated_data
    return Page(limit=min(data["limit"], MAX_LIMIT), offset=data["offset"])


def endpoint_page(query: QueryDict) -> Page | str:
    try:
        return page_from_query(query)
    except ValidationError as error:
        return str(error.detail)


@pytest.mark.parametrize("raw", QUERIES)
def test_same_answer_as_the_serializer(raw: str) -> None:
    query = QueryDict(raw)
    assert endpoint_page(query) == serializer_page(query)


def test_the_plain_path_answers_the_common_queries() -> None:
    for raw in ("", "limit=5", "offset=3", "limit=20&offset=40"):
        assert plain_page(QueryDict(raw)) is not None, raw
    assert plain_page(QueryDict("limit=5.0")) is None
