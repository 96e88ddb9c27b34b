"""A strict Content-Security-Policy on every HTML response.

One fixed header, no nonces (the pages have no inline script or style), so a dozen lines here
instead of a dependency (django-csp): it would add per-request nonce machinery we do not need.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
