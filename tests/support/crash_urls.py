"""The project's URLs plus deliberate failures, for the error-tracking tests only.

- GET /api/test-crash and /test-crash fail as a bug would.
- GET /test-crash/error-page and /api/test-crash/error-page fail, and so does the error view
  that answers them: what only the last resort (realworld/last_resort.py) can answer.
- GET /api/test-sleep?ms=N holds the Django thread for N ms (at most 5000), as a slow request
  does: for the serving watchdog's tests.
- In this URLconf's process only, three functions fail where secrets are in scope (the frames
  an error report would carry): the token check, while the request's `Authorization` header
  and the raw JWT are local variables (any signed-in request); and the login and registration
  views' services, while the submitted password is (an email or username starting with
  `crash`, or `dberror` for a database error, which the API answers with a 503 and logs).
"""

import time
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.urls import path

from realworld.handlers import server_error
from realworld.urls import urlpatterns as project_urlpatterns
from realworld.users import apis, authentication


class DeliberateError(RuntimeError):
    pass


def crash(request: HttpRequest) -> HttpResponse:
    raise DeliberateError("deliberate failure for the error-tracking test")


def sleep(request: HttpRequest) -> HttpResponse:
    time.sleep(min(int(request.GET.get("ms", "0")), 5000) / 1000)
    return HttpResponse(b"slept", content_type="text/plain")


def failing_server_error(request: HttpRequest) -> HttpResponse:
    """The project's 500 view, except under an `error-page` path, where it fails too."""
    if request.path.endswith("/error-page"):
        raise DeliberateError("deliberate failure in the error view")
    return server_error(request)


handler500 = "tests.support.crash_urls.failing_server_error"


def _failing(original: Any, field: str) -> Any:
    def service(**fields: Any) -> Any:
        value = str(fields.get(field, ""))
        if value.startswith("crash"):
            raise DeliberateError(f"deliberate failure in {original.__name__}")
        if value.startswith("dberror"):
            raise DatabaseError(f"deliberate database error in {original.__name__}")
        return original(**fields)

    return service


def _failing_user_by_id(user_id: int) -> Any:
    raise DeliberateError("deliberate failure while checking a token")


apis.user_authenticate = _failing(apis.user_authenticate, "email")
apis.user_register = _failing(apis.user_register, "username")
authentication.user_by_id = _failing_user_by_id

urlpatterns = [
    path("api/test-crash", crash, name="test-crash"),
    path("api/test-crash/error-page", crash),
    path("test-crash", crash),
    path("test-crash/error-page", crash),
    path("api/test-sleep", sleep),
    *project_urlpatterns,
]
