"""Text PostgreSQL can store: no NUL character, no lone surrogate.

A value that breaks either rule cannot be in the database, so a lookup by it is "not found"
and an input with it "is invalid", never a database error (which would read as an outage).
"""

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
