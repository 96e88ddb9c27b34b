"""The API's one translation of every failure into the RealWorld error body.

`{"errors": {"<what>": ["<message>", ...]}}` with a status code, and nothing else: domain
errors (common/exceptions.py, abuse limits included), DRF's own (validation, parsing, auth,
methods) and
database failures. Never an HTML page or a stack trace.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import set_rollback

from realworld.common import messages
from realworld.common.error_bodies import (
    CONCURRENT_CHANGE,
    DATABASE_UNAVAILABLE,
    error_body,
    flatten_messages,
)
from realworld.common.exceptions import (
    Conflict,
    Forbidden,
    Invalid,
    InvalidCredentials,
    Messages,
    NotFound,
    TokenRevoked,
)
from realworld.common.ratelimit import RateLimited

logger = logging.getLogger(__name__)

# Domain errors: the status each one means over HTTP.
DOMAIN_STATUS: dict[type, int] = {
    NotFound: status.HTTP_404_NOT_FOUND,
    Forbidden: status.HTTP_403_FORBIDDEN,
    Conflict: status.HTTP_409_CONFLICT,
    Invalid: status.HTTP_422_UNPROCESSABLE_ENTITY,
    InvalidCredentials: status.HTTP_401_UNAUTHORIZED,
    TokenRevoked: status.HTTP_401_UNAUTHORIZED,
    RateLimited: status.HTTP_429_TOO_MANY_REQUESTS,
}


def _translate(exc: Exception, context: dict[str, Any]) -> tuple[int, Messages] | None:
    for kind, code in DOMAIN_STATUS.items():
        if isinstance(exc, kind):
            return code, exc.errors  # type: ignore[attr-defined]
    match exc:
        case exceptions.ValidationError():
            return status.HTTP_422_UNPROCESSABLE_ENTITY, flatten_messages(exc.detail)
        case DjangoValidationError():
            detail = as_serializer_error(exc)
            return status.HTTP_422_UNPROCESSABLE_ENTITY, flatten_messages(detail)
        case exceptions.NotAuthenticated():
            return status.HTTP_401_UNAUTHORIZED, {"token": [messages.TOKEN_MISSING]}
        case exceptions.AuthenticationFailed():
            # Raised by users/authentication.py only, its detail one of messages.TOKEN_*.
            return status.HTTP_401_UNAUTHORIZED, {"token": [str(exc.detail)]}
        case exceptions.ParseError():
            return status.HTTP_400_BAD_REQUEST, {"body": ["is not valid JSON"]}
        case exceptions.UnsupportedMediaType():
            return exc.status_code, {"Content-Type": ["must be application/json"]}
        case exceptions.NotAcceptable():
            return exc.status_code, {"Accept": ["must allow application/json"]}
        case exceptions.MethodNotAllowed():
            method = context["request"].method if context.get("request") else "this method"
            return exc.status_code, {"method": [f"{method} is not allowed here"]}
        case exceptions.PermissionDenied() | DjangoPermissionDenied():
            return status.HTTP_403_FORBIDDEN, {"resource": [messages.FORBIDDEN]}
        case exceptions.NotFound() | Http404():
            return status.HTTP_404_NOT_FOUND, {"resource": [messages.NOT_FOUND]}
        case OperationalError() | InterfaceError():
            # Connection refused, timed out or dropped: the database is down, the process is fine.
            logger.warning("database unavailable: %s", exc)
            return status.HTTP_503_SERVICE_UNAVAILABLE, DATABASE_UNAVAILABLE
        case IntegrityError():
            # A constraint the request's own checks passed was broken by a concurrent write, e.g.
            # a comment on an article deleted a moment earlier: the client's to retry.
            logger.info("integrity error from a concurrent change: %s", exc)
            return status.HTTP_409_CONFLICT, CONCURRENT_CHANGE
        case DatabaseError():
            # A statement timeout or similar: unavailability, not a crash.
            logger.exception("database error")
            return status.HTTP_503_SERVICE_UNAVAILABLE, DATABASE_UNAVAILABLE
        case exceptions.APIException():
            return exc.status_code, {"request": [str(exc.detail)]}
    return None  # anything else is a bug: Django's handler500 answers (common/views.py)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    translated = _translate(exc, context)
    if translated is None:
        return None
    code, errors = translated
    headers = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.wait)
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    set_rollback()
    return Response(error_body(errors), status=code, headers=headers)
