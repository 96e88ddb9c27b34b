"""Shared pieces of the API's input validation (DRF serializers)."""

from typing import Any

from rest_framework import serializers

from realworld.common import messages
from realworld.common.text import text_field_options


def envelope(data: Any, key: str) -> dict[str, Any]:
    """The object under `key` in a request body such as `{"user": {...}}`, or a 422 saying why.

    Every RealWorld body wraps its fields in one named object; unwrapping it here lets the
    serializers validate flat fields and report errors by field name.
    """
    if not isinstance(data, dict):
        raise serializers.ValidationError({"body": [messages.NOT_AN_OBJECT]})
    inner = data.get(key)
    if inner is None:
        raise serializers.ValidationError({key: [messages.BLANK]})
    if not isinstance(inner, dict):
        raise serializers.ValidationError({key: [messages.NOT_AN_OBJECT]})
    return inner


def text(*, max_length: int, min_length: int | None = None, **kwargs: Any) -> serializers.CharField:
    """A string field whose errors read like the spec's ("is too long (maximum is 255 ...)"),
    refusing what PostgreSQL cannot store (NUL, lone surrogates) as "is invalid"."""
    options = text_field_options(
        max_length=max_length, min_length=min_length, validators=kwargs.pop("validators", ())
    )
    return serializers.CharField(**options, **kwargs)


class OptionalText(serializers.CharField):
    """bio and image: a string, or null/"" to clear it (stored as null, as the spec says)."""

    def __init__(self, *, max_length: int, **kwargs: Any) -> None:
        super().__init__(
            required=False,
            allow_null=True,
            allow_blank=True,
            **text_field_options(max_length=max_length, validators=kwargs.pop("validators", ())),
            **kwargs,
        )

    def run_validation(self, data: Any = serializers.empty) -> str | None:
        return super().run_validation(data) or None
