"""One exception handler for every API view: the RealWorld error format, never a 500 page."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from realworld.common.errors import GENERAL, error_body, flatten_messages

logger = logging.getLogger(__name__)


class DatabaseUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The database is unavailable; try again shortly."
    default_code = "database_unavailable"


class ConcurrentChange(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The resource changed while this request ran (e.g. it was deleted); retry."
    default_code = "concurrent_change"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, OperationalError | InterfaceError):
        # Connection refused, timed out or dropped: the database is down, the process is fine.
        logger.warning("database unavailable: %s", exc)
        exc = DatabaseUnavailable()
    elif isinstance(exc, IntegrityError):
        # A constraint the request's own checks passed was broken by a concurrent write, e.g.
        # a comment on an article deleted a moment earlier. Services map the expected cases
        # (taken names) to 422; this one is the client's to retry, not a server fault.
        logger.info("integrity error from a concurrent change: %s", exc)
        exc = ConcurrentChange()
    elif isinstance(exc, DatabaseError):
        # A statement timeout or similar: report it as unavailability, not as a crash.
        logger.exception("database error")
        exc = DatabaseUnavailable()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, exceptions.ValidationError):
        response.status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
        response.data = error_body(flatten_messages(exc.detail))
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        response.data = error_body(flatten_messages(detail, prefix=GENERAL))
    return response
