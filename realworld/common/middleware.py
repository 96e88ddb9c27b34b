from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from realworld import errortracking, logs
from realworld.common import health
from realworld.common.client import client_address
from realworld.common.error_bodies import error_response

Handler = Callable[[HttpRequest], HttpResponse]


class RequestIdMiddleware:
    """X-Request-ID: the edge's (Envoy keeps a client's or makes one) when plain, else a new
    one. It is echoed on the response, carried by every log line of the request
    (logs.REQUEST_ID), and handed with the user id and client address to gunicorn's access
    line through the WSGI environ, and tags the request's Sentry events when error tracking
    is on."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = logs.request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        environ = request.environ  # type: ignore[attr-defined]  # WSGIRequest's, shared with gunicorn
        environ[logs.ENVIRON_REQUEST_ID] = request_id
        environ[logs.ENVIRON_CLIENT] = client_address(request)
        logs.REQUEST_ID.set(request_id)
        errortracking.tag_request(request_id)
        response = self.get_response(request)
        response[logs.REQUEST_ID_HEADER] = request_id
        # Only a user the request already resolved: evaluating the lazy session user here
        # would cost a query on requests that never needed it.
        user = request.__dict__.get("user")
        if isinstance(user, SimpleLazyObject) and user._wrapped is empty:  # type: ignore[attr-defined]
            user = None
        if user is not None and user.is_authenticated:
            environ[logs.ENVIRON_USER_ID] = user.pk
        return response


def clear_request_id(**_: object) -> None:
    """On request_finished (response closed), not when the middleware returns: Django logs
    4xx/5xx responses ("Bad Request: /api/...") after the middleware chain has returned."""
    logs.REQUEST_ID.set(None)


class HealthCheckMiddleware:
    """Answers the kubelet's probes before host validation (it sends the pod IP as Host)."""

    probes: dict[str, Handler] = {"/healthz": health.healthz, "/readyz": health.readyz}

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = self.probes.get(request.path)
        return probe(request) if probe else self.get_response(request)


class RequestBodyLimitMiddleware:
    """Refuses oversized bodies from the Content-Length header, before reading them."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            return error_response(400, "Content-Length", "must be a number")
        if length < 0:
            return error_response(400, "Content-Length", "must not be negative")
        if length > settings.MAX_REQUEST_BODY_BYTES:
            limit = settings.MAX_REQUEST_BODY_BYTES
            return error_response(413, "body", f"is too large (maximum is {limit} bytes)")
        return self.get_response(request)
