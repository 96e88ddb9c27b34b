"""The web app's translation of failures into pages (the API has its own, in JSON).

Domain errors raised under a page become a styled 404/403/422 page; an unreachable database
a 503 page. Unknown URLs outside /api get the HTML 404 page.
"""

import logging
from collections.abc import Callable

from django.db import DatabaseError, IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from realworld.common.exceptions import ApplicationError, Forbidden, NotFound
from realworld.common.ratelimit import RateLimited
from realworld.web.forms import error_sentences

logger = logging.getLogger(__name__)

TITLES = {
    400: "Bad request",
    403: "Not yours",
    404: "Not found",
    409: "Changed meanwhile",
    422: "Not possible",
    429: "Slow down",
}


def error_page(
    request: HttpRequest, status: int, *, resource: str = "page", lines: list[str] | None = None
) -> HttpResponse:
    context = {
        "status": status,
        "title": TITLES.get(status, "Unavailable"),
        "resource": resource,
        "lines": lines or [],
    }
    return render(request, "web/error.html", context, status=status)


def standalone_page(status: int, title: str, line: str) -> HttpResponse:
    """A page that needs neither the database nor the session: for outages and crashes."""
    html = render_to_string("web/standalone.html", {"title": title, "line": line})
    return HttpResponse(html, status=status)


def server_error(request: HttpRequest) -> HttpResponse:
    return standalone_page(500, "Something broke", "An unexpected error happened; retry later.")


class DomainErrorMiddleware:
    """Renders the domain's errors (and database outages) raised by a page as error pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None  # DRF has answered in JSON already; anything else is the API's 500
        match exception:
            case NotFound():
                return error_page(request, 404, resource=exception.resource)
            case Forbidden():
                return error_page(request, 403, resource=exception.resource)
            case RateLimited():
                lines = [f"Too many attempts: retry in {exception.wait} s."]
                response = error_page(request, 429, lines=lines)
                response["Retry-After"] = str(exception.wait)
                return response
            case ApplicationError():  # Invalid, Conflict: what the domain refused
                return error_page(request, 422, lines=error_sentences(exception.errors))
            case IntegrityError():
                return error_page(request, 409, lines=["It changed while you were on it: retry."])
            case DatabaseError():
                logger.warning("database unavailable under %s: %s", request.path, exception)
                return standalone_page(503, "Unavailable", "Conduit is briefly unavailable.")
        return None


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    lines = ["This form expired or came from another site. Reload the page and try again."]
    return error_page(request, 403, lines=lines)
