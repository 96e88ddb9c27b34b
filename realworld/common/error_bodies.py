"""Error bodies in the RealWorld format: {"errors": {"<what>": ["<message>", ...]}}."""

from typing import Any

from django.http import JsonResponse

from realworld.common.exceptions import Messages

DATABASE_UNAVAILABLE: Messages = {"database": ["is unavailable; retry shortly"]}
CONCURRENT_CHANGE: Messages = {"resource": ["changed while this request ran; retry"]}


def error_body(errors: Messages) -> dict[str, Any]:
    return {"errors": errors}


def error_response(status: int, what: str, message: str) -> JsonResponse:
    """For code outside DRF views (middleware, URL fallbacks)."""
    return JsonResponse(error_body({what: [message]}), status=status)


def flatten_messages(detail: Any, key: str = "body") -> Messages:
    """DRF's error detail as one flat list of strings per field.

    Fields map to their messages; a list field's items are named by position
    (`{"tagList": {0: ["can't be blank"]}}` becomes `{"tagList": ["[0] can't be blank"]}`);
    errors of no single field (`non_field_errors`, a bare list or string) go under `key`.
    """
    flat: Messages = {}
    if isinstance(detail, dict):
        for name, value in detail.items():
            if isinstance(name, int):
                flat.setdefault(key, []).extend(
                    f"[{name}] {message}" for message in _strings(value)
                )
            else:
                field = key if name == "non_field_errors" else str(name)
                for inner, found in flatten_messages(value, key=field).items():
                    flat.setdefault(inner, []).extend(found)
    else:
        flat[key] = _strings(detail)
    return flat


def _strings(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [m for messages in flatten_messages(detail).values() for m in messages]
    if isinstance(detail, list):
        return [m for item in detail for m in _strings(item)]
    return [str(detail)]
