"""Every message a client can see, in the RealWorld spec's style: `<key> <message>` reads as a
sentence ("email has already been taken", "title can't be blank").

The API's serializers and the web app's forms take their field messages from `field_messages`,
so a browser and an API client are told exactly the same thing.
"""

from typing import Any

BLANK = "can't be blank"
INVALID = "is invalid"
TAKEN = "has already been taken"
NOT_FOUND = "not found"
FORBIDDEN = "forbidden"
CREDENTIALS_INVALID = "invalid"
NOT_A_NUMBER = "is not a number"
NOT_A_LIST = "must be a list"
NOT_AN_OBJECT = "must be an object"
BODY_NOT_RECEIVED = "was not received in time"

# About the Authorization header (not secrets).
TOKEN_MISSING = "is missing"  # noqa: S105
TOKEN_INVALID = "is invalid"  # noqa: S105
TOKEN_EXPIRED = "has expired"  # noqa: S105
TOKEN_REVOKED = "has been revoked (the password or email changed)"  # noqa: S105
TOKEN_SIGNED_OUT = "has been revoked (its web session ended)"  # noqa: S105
TOKEN_SCHEME = "must be sent as 'Authorization: Token <jwt>'"  # noqa: S105


def too_long(maximum: int, unit: str = "characters") -> str:
    return f"is too long (maximum is {maximum} {unit})"


def too_short(minimum: int, unit: str = "characters") -> str:
    return f"is too short (minimum is {minimum} {unit})"


def at_least(minimum: int) -> str:
    return f"must be greater than or equal to {minimum}"


def at_most(maximum: int) -> str:
    return f"must be less than or equal to {maximum}"


def field_messages(
    *,
    max_length: int | None = None,
    min_length: int | None = None,
    min_value: int | None = None,
    max_value: int | None = None,
    unit: str = "characters",
) -> dict[str, Any]:
    """Error messages for one input field, already formatted, keyed as DRF and Django name them.

    Both frameworks look a message up by the same codes (required, invalid, max_length, ...);
    the strings carry no placeholders, so either can format them without changing them.
    """
    found = {
        "required": BLANK,
        "blank": BLANK,
        "null": BLANK,
        "empty": BLANK,
        "invalid": INVALID,
        "not_a_list": NOT_A_LIST,
        "max_string_length": NOT_A_NUMBER,
    }
    if max_length is not None:
        found["max_length"] = too_long(max_length, unit)
    if min_length is not None:
        found["min_length"] = too_short(min_length, unit)
    if min_value is not None:
        found["min_value"] = at_least(min_value)
    if max_value is not None:
        found["max_value"] = at_most(max_value)
    return found
