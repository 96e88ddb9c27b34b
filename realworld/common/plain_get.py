"""GETs answered as orjson bytes, without DRF's request/response cycle.

DRF's dispatch (the Request wrapper, content negotiation, permission and throttle classes, the
renderer) costs about as much as a cached read itself (docs/benchmarks-history.md "Plain GETs").
A view that subclasses PlainGetApi and defines `plain_get` answers the ordinary GET itself: the
client accepts JSON, the query is plain, the token (if any) is valid and the resource exists.
Anything else it declines (None), and DRF handles the request from the start, so every error is
still worded in one place (common/api_exception_handler.py); an exception raised on the way is
handed to that same handler. Responses carry the headers DRF would add (`finalize_response`).
`tests/http/test_plain_gets.py` proves both paths answer alike, over HTTP.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from realworld.common.renderers import JSONRenderer

CONTENT_TYPE = f"{JSONRenderer.media_type}; charset={JSONRenderer.charset}"
# Accept values for which DRF's negotiation would pick the JSON renderer too.
JSON_MEDIA_TYPES = frozenset({"*/*", "application/*", JSONRenderer.media_type})


class PlainGetApi(APIView):
    # plain_get(request, **url_kwargs): the response body, or None to let DRF handle the
    # request. `request.user` (and for a signed-in request `request.auth`) are set as DRF
    # would set them.
    plain_get: Callable[..., bytes | None]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method != "GET" or not _plain_json_request(request):
            return super().dispatch(request, *args, **kwargs)
        self.args, self.kwargs = args, kwargs
        self.headers = self.default_response_headers
        try:
            self._authenticate(request)
            body = self.plain_get(request, **kwargs)
        except Exception as exc:  # answered as DRF answers it, not swallowed
            self.request = self.initialize_request(request, *args, **kwargs)
            error = self.handle_exception(exc)
            return self.finalize_response(self.request, error, *args, **kwargs)
        if body is None:
            return super().dispatch(request, *args, **kwargs)
        response = json_response(body)
        return self.finalize_response(request, response, *args, **kwargs)  # type: ignore[arg-type]

    def _authenticate(self, request: HttpRequest) -> None:
        """request.user and request.auth as DRF's Request would set them, by the view's own
        authentication classes (realworld/users/authentication.py reads only the headers);
        never from the session: the API does not read cookies. A bad token raises."""
        for authenticator in self.get_authenticators():
            found = authenticator.authenticate(request)  # type: ignore[arg-type]
            if found is not None:
                request.user, request.auth = found  # type: ignore[attr-defined]
                return
        request.user, request.auth = AnonymousUser(), None  # type: ignore[attr-defined]


def _plain_json_request(request: HttpRequest) -> bool:
    """No `?format=` override, and an Accept header that plainly allows JSON (or none)."""
    if api_settings.URL_FORMAT_OVERRIDE in request.GET:
        return False
    accept = request.META.get("HTTP_ACCEPT")
    if accept is None:
        return True
    return any(item.partition(";")[0].strip() in JSON_MEDIA_TYPES for item in accept.split(","))


def json_response(body: bytes, *, status: int = 200) -> HttpResponse:
    """JSON bytes as DRF's Response with common/renderers.JSONRenderer would send them."""
    return HttpResponse(body, status=status, content_type=CONTENT_TYPE)
