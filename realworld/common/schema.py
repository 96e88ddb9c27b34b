"""Shared pieces of the OpenAPI description (drf-spectacular)."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ErrorDoc(serializers.Serializer):
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField())
    )


ERROR = OpenApiResponse(ErrorDoc, description="Error in the RealWorld format")
ERRORS_ANONYMOUS = {400: ERROR, 401: ERROR, 404: ERROR, 413: ERROR, 415: ERROR, 422: ERROR}
ERRORS_SIGNED_IN = {**ERRORS_ANONYMOUS, 403: ERROR}

PAGE_PARAMETERS = [
    OpenApiParameter("limit", int, description="Page size, 1 to 100 (default 20)"),
    OpenApiParameter("offset", int, description="Items to skip (default 0)"),
]
