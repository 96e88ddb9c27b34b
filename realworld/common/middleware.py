from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from realworld.common import health
from realworld.common.errors import error_response

Handler = Callable[[HttpRequest], HttpResponse]


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
