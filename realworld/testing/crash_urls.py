"""The project's URLs and GET /api/test-crash, which fails as a bug would (for tests only)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from realworld.urls import handler500  # noqa: F401  # the project's JSON 500
from realworld.urls import urlpatterns as project_urlpatterns


class DeliberateError(RuntimeError):
    pass


def crash(request: HttpRequest) -> HttpResponse:
    raise DeliberateError("deliberate failure for the error-tracking test")


urlpatterns = [path("api/test-crash", crash, name="test-crash"), *project_urlpatterns]
