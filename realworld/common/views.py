"""JSON answers for requests that reach no API view (unknown URLs, unexpected failures)."""

from django.http import HttpRequest, JsonResponse

from realworld.common.errors import error_response


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(404, "Not found")


def server_error(request: HttpRequest) -> JsonResponse:
    return error_response(500, "Internal server error")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(400, "Bad request")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(403, "Forbidden")
