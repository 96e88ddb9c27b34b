"""Error bodies in the RealWorld format: {"errors": {"<field>": ["<message>", ...]}}."""

from typing import Any

from django.http import JsonResponse

# The spec's GenericErrorModel keys errors that belong to no single field under "body".
GENERAL = "body"


def error_body(messages: dict[str, list[str]]) -> dict[str, Any]:
    return {"errors": messages}


def error_response(status: int, message: str, *, field: str = GENERAL) -> JsonResponse:
    """For code outside DRF views (middleware, URL fallbacks)."""
    return JsonResponse(error_body({field: [message]}), status=status)


def flatten_messages(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into one flat list of strings per field.

    `{"user": {"email": ["x"]}}` becomes `{"email": ["x"]}` (the envelope is not a field), and
    list items are named by position: `{"tagList": {0: ["y"]}}` becomes `{"tagList": ["[0] y"]}`.
    """
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):
                for messages in flatten_messages(value).values():
                    flat.setdefault(prefix or GENERAL, []).extend(f"[{key}] {m}" for m in messages)
                continue
            name = GENERAL if key == "non_field_errors" else str(key)
            if isinstance(value, dict) and not prefix and _is_envelope(value):
                _merge(flat, flatten_messages(value))
            else:
                _merge(flat, flatten_messages(value, prefix=name))
    elif isinstance(detail, list):
        for position, item in enumerate(detail):
            if isinstance(item, dict | list):
                nested = flatten_messages(item)
                target = prefix or GENERAL
                for messages in nested.values():
                    flat.setdefault(target, []).extend(f"[{position}] {m}" for m in messages)
            else:
                flat.setdefault(prefix or GENERAL, []).append(str(item))
    else:
        flat.setdefault(prefix or GENERAL, []).append(str(detail))
    return flat


def _is_envelope(value: dict) -> bool:
    # A dict of field names (not list positions) under a top-level key: the request envelope.
    return all(isinstance(key, str) for key in value)


def _merge(into: dict[str, list[str]], other: dict[str, list[str]]) -> None:
    for key, messages in other.items():
        into.setdefault(key, []).extend(messages)
