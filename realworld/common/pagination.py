from dataclasses import dataclass

from rest_framework import serializers

DEFAULT_LIMIT = 20
MAX_LIMIT = 100  # a larger `limit` is served as 100: one request must not dump the table


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


class PageParamsSerializer(serializers.Serializer):
    limit = serializers.IntegerField(required=False, default=DEFAULT_LIMIT, min_value=1)
    offset = serializers.IntegerField(required=False, default=0, min_value=0, max_value=2**31 - 1)


def page_from_query(query_params) -> Page:
    params = PageParamsSerializer(data=query_params)
    params.is_valid(raise_exception=True)
    return Page(
        limit=min(params.validated_data["limit"], MAX_LIMIT),
        offset=params.validated_data["offset"],
    )
