"""The API's `limit` and `offset` query parameters, validated into a Page."""

from typing import Any

from rest_framework import serializers

from realworld.common import messages
from realworld.common.paging import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, Page


def _number(*, min_value: int, max_value: int | None = None) -> dict[str, Any]:
    found = messages.field_messages(min_value=min_value, max_value=max_value)
    return {**found, "invalid": messages.NOT_A_NUMBER}


class PageParamsSerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        required=False, default=DEFAULT_LIMIT, min_value=1, error_messages=_number(min_value=1)
    )
    offset = serializers.IntegerField(
        required=False,
        default=0,
        min_value=0,
        max_value=MAX_OFFSET,
        error_messages=_number(min_value=0, max_value=MAX_OFFSET),
    )


def page_from_query(query_params) -> Page:
    """The Page a query asks for; a 422 (ValidationError) for a bad `limit` or `offset`."""
    page = plain_page(query_params)
    if page is None:  # anything unusual: the serializer decides (and words the error)
        params = PageParamsSerializer(data=query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        page = Page(limit=min(data["limit"], MAX_LIMIT), offset=data["offset"])
    return page


def plain_page(query_params) -> Page | None:
    """The Page of plain, in-range digits (or absent parameters), without building a
    serializer (its field deep copies were a visible share of a cached list page); None otherwise.
    Wherever it answers, PageParamsSerializer gives the same Page (tests/test_page_query.py)."""
    limit = _plain_int(query_params, "limit", DEFAULT_LIMIT)
    offset = _plain_int(query_params, "offset", 0)
    if limit is None or offset is None or limit < 1 or offset > MAX_OFFSET:
        return None
    return Page(limit=min(limit, MAX_LIMIT), offset=offset)


def _plain_int(query_params, name: str, default: int) -> int | None:
    if name not in query_params:
        return default
    raw = query_params[name]  # the last value, as the serializer reads a QueryDict
    return int(raw) if 0 < len(raw) <= 9 and raw.isascii() and raw.isdigit() else None
