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
    params = PageParamsSerializer(data=query_params)
    params.is_valid(raise_exception=True)
    return Page(
        limit=min(params.validated_data["limit"], MAX_LIMIT),
        offset=params.validated_data["offset"],
    )
