"""JSON answers for API requests that reach no API view (unknown URLs, unexpected failures).

Django calls these for `/api/...`; the web app's pages get HTML (realworld/web/errors.py),
chosen by `realworld.urls` from the request path.
"""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from realworld.common import messages
from realworld.common.error_bodies import error_response


@csrf_exempt  # the API reads no cookie: an unknown URL is a 404 whatever the method
def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(404, "resource", messages.NOT_FOUND)


def server_error(request: HttpRequest) -> JsonResponse:
    return error_response(500, "server", "had an unexpected error")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(400, "request", messages.INVALID)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(403, "resource", messages.FORBIDDEN)
