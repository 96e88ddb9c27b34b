"""Django's last-resort error views, chosen by path: JSON under /api, a page elsewhere."""

from django.http import HttpRequest, HttpResponse

from realworld.common import views as api
from realworld.web import errors as web


def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return api.bad_request(request) if _api(request) else web.error_page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return api.permission_denied(request) if _api(request) else web.error_page(request, 403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return api.not_found(request) if _api(request) else web.not_found(request)


def server_error(request: HttpRequest) -> HttpResponse:
    return api.server_error(request) if _api(request) else web.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return api.permission_denied(request) if _api(request) else web.csrf_failure(request)
