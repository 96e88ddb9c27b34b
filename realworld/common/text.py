"""Text PostgreSQL can store: no NUL character, no lone surrogate.

A value that breaks either rule cannot be in the database, so a lookup by it is "not found"
and an input with it "is invalid", never a database error (which would read as an outage).
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ValidationError

from realworld.common import messages


def storable(value: str) -> bool:
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as "\ud800"
        return False
    return True


def validate_storable(value: str) -> None:
    if not storable(value):
        raise ValidationError(messages.INVALID, code="invalid")


def validate_not_blank(value: str) -> None:
    """For fields that keep their whitespace (bodies): only spaces is still blank."""
    if not value.strip():
        raise ValidationError(messages.BLANK, code="blank")


def text_field_options(
    *,
    max_length: int,
    min_length: int | None = None,
    validators: Sequence[Callable[[Any], None]] = (),
) -> dict[str, Any]:
    """The options every text input shares, in DRF's serializers and Django's forms alike
    (both take these four names): lengths, the spec's messages, and storable text only."""
    return {
        "max_length": max_length,
        "min_length": min_length,
        "error_messages": messages.field_messages(max_length=max_length, min_length=min_length),
        "validators": [validate_storable, *validators],
    }
