"""The project's URLs plus deliberate failures, for the error-tracking tests only.

- GET /api/test-crash fails as a bug would.
- In this URLconf's process only, three functions fail where secrets are in scope (the frames
  an error report would carry): the token check, while the request's `Authorization` header
  and the raw JWT are local variables (any signed-in request); and the login and registration
  views' services, while the submitted password is (an email or username starting with
  `crash`, or `dberror` for a database error, which the API answers with a 503 and logs).
"""

from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.urls import path

from realworld.urls import handler500  # noqa: F401  # the project's JSON 500
from realworld.urls import urlpatterns as project_urlpatterns
from realworld.users import apis, authentication


class DeliberateError(RuntimeError):
    pass


def crash(request: HttpRequest) -> HttpResponse:
    raise DeliberateError("deliberate failure for the error-tracking test")


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

urlpatterns = [path("api/test-crash", crash, name="test-crash"), *project_urlpatterns]
