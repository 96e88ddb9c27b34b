"""Headers of the web app's responses.

- ContentSecurityPolicyMiddleware: a strict Content-Security-Policy on every HTML response,
  error pages included (it sits above host validation). One fixed header, no nonces (the pages
  have no inline script or style), so a dozen lines here instead of a dependency (django-csp):
  it would add per-request nonce machinery we do not need.
- PrivateToTheViewerMiddleware: what is rendered for a signed-in viewer (their JWT, their
  email) is stored by no browser cache or proxy.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from realworld.web.context import viewer_of

# Avatars and images in article bodies are links to other hosts (https only); everything the
# app itself loads (scripts, styles, icons, fonts) comes from its own origin.
POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Swagger UI (/api/docs) ships an inline <style> block and sets style attributes: its styles,
# and only its styles, may be inline. Scripts stay 'self' only there too.
DOCS_POLICY = POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            docs = request.path.startswith("/api/docs")
            response.headers.setdefault("Content-Security-Policy", DOCS_POLICY if docs else POLICY)
        return response


class PrivateToTheViewerMiddleware:
    """`Cache-Control: private, no-store` on every page answered to a signed-in viewer;
    anonymous pages keep what their views set."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        signed_in = settings.SESSION_COOKIE_NAME in request.COOKIES and viewer_of(request)
        if signed_in and not request.path.startswith("/api/"):
            response["Cache-Control"] = "private, no-store"
        return response
