"""Shared pieces of the OpenAPI description (drf-spectacular)."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ErrorDoc(serializers.Serializer):
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField())
    )


ERROR = OpenApiResponse(ErrorDoc, description="Error in the RealWorld format")
ERRORS_ANONYMOUS = {400: ERROR, 401: ERROR, 404: ERROR, 413: ERROR, 415: ERROR, 422: ERROR}
ERRORS_SIGNED_IN = {**ERRORS_ANONYMOUS, 403: ERROR, 409: ERROR}

# The same bounds as common/pagination.py (a larger `limit` is served as 100, not refused).
PAGE_PARAMETERS = [
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1},
        description="Page size, 1 to 100 (default 20; larger values are served as 100)",
    ),
    OpenApiParameter(
        "offset",
        {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
        description="Items to skip (default 0)",
    ),
]
