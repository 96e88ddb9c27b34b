"""Shared pieces of the OpenAPI description (drf-spectacular): error responses with the bodies
the API really sends, as examples (not drf-spectacular's `additionalProp1` placeholders)."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from realworld.common import messages
from realworld.common.error_bodies import CONCURRENT_CHANGE, DATABASE_UNAVAILABLE
from realworld.common.exceptions import Messages
from realworld.common.paging import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET


class ErrorDoc(serializers.Serializer):
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="One key per field or resource, each with its messages",
    )


def _error(description: str, *examples: tuple[str, Messages]) -> OpenApiResponse:
    return OpenApiResponse(
        ErrorDoc,
        description=description,
        examples=[
            OpenApiExample(name, value={"errors": body}, response_only=True)
            for name, body in examples
        ],
    )


def errors_for(
    *codes: int,
    resource: str = "article",
    conflict: Messages | None = None,
    unauthorized: Messages | None = None,
) -> dict[int, OpenApiResponse]:
    """The error responses of one operation, by status code.

    422 and 503 come with every operation: the spec lists 422 (its "GenericError") on each,
    and any request can meet an unreachable database.
    """
    token_errors = (
        ("missing", {"token": [messages.TOKEN_MISSING]}),
        ("invalid", {"token": [messages.TOKEN_INVALID]}),
        ("expired", {"token": [messages.TOKEN_EXPIRED]}),
        ("wrong scheme", {"token": [messages.TOKEN_SCHEME]}),
    )
    catalogue = {
        400: _error(
            "Malformed request: the body is not JSON",
            ("malformed", {"body": ["is not valid JSON"]}),
        ),
        401: (
            _error("Wrong email or password", ("credentials", unauthorized))
            if unauthorized
            else _error(
                "No usable token: missing, malformed, expired, or not the `Token` scheme",
                *token_errors,
            )
        ),
        403: _error(
            f"Forbidden: the {resource} belongs to someone else",
            ("forbidden", {resource: [messages.FORBIDDEN]}),
        ),
        404: _error(
            f"Not found: the key names the resource ({resource})",
            ("not found", {resource: [messages.NOT_FOUND]}),
        ),
        409: _error(
            "Conflict",
            ("conflict", conflict or CONCURRENT_CHANGE),
        ),
        413: _error(
            "The body exceeds MAX_REQUEST_BODY_BYTES",
            ("too large", {"body": ["is too large (maximum is 1048576 bytes)"]}),
        ),
        415: _error(
            "The body is not application/json",
            ("unsupported", {"Content-Type": ["must be application/json"]}),
        ),
        422: _error(
            "Invalid input: one key per field, every bad field at once",
            ("blank", {"title": [messages.BLANK]}),
            (
                "several fields",
                {"email": [messages.INVALID], "password": [messages.too_short(8)]},
            ),
        ),
        429: _error(
            "Too many attempts; the Retry-After header says when to try again",
            ("throttled", {"requests": ["are too frequent (retry in 42 s)"]}),
        ),
        503: _error("The database is unreachable; retry", ("unavailable", DATABASE_UNAVAILABLE)),
    }
    return {code: catalogue[code] for code in sorted({*codes, 422, 503})}


TAKEN_USERNAME: Messages = {"username": [messages.TAKEN]}

PAGE_PARAMETERS = [
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "default": DEFAULT_LIMIT},
        description=(
            f"Page size (default {DEFAULT_LIMIT}; more than {MAX_LIMIT} is served as {MAX_LIMIT})"
        ),
    ),
    OpenApiParameter(
        "offset",
        {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
        description="Items to skip (default 0)",
    ),
]
