"""Anonymous pages rendered once per content version: the API's anonymous cache, for HTML.

What an anonymous visitor sees of a list, an article or a profile differs from what another
sees only by the CSRF token in its forms (the favorite and follow buttons are forms). So the
page is rendered with PLACEHOLDER where the token goes (`csrf_placeholder` below, a context
processor), its bytes are cached per path and content version
(articles.selectors.cached_for_everyone), and each response gets the visitor's own token in
that place. Template rendering was most of an anonymous home page (docs/benchmarks-history.md
"Plain GETs, cached bytes and pages"). The placeholder is random per process, like the
cache, so no text a user writes can contain it.
"""

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

from realworld.articles.selectors import cached_for_everyone
from realworld.web.context import viewer_of

PLACEHOLDER = f"csrf-placeholder-{secrets.token_hex(16)}"
HTML = "text/html; charset=utf-8"
View = Callable[..., HttpResponse]


def csrf_placeholder(request: HttpRequest) -> dict[str, str]:
    """Context processor, after Django's csrf one: the placeholder while a page is rendered for
    everyone, else nothing (Django's lazy token stays)."""
    return {"csrf_token": PLACEHOLDER} if getattr(request, "rendering_for_everyone", False) else {}


class _NotForEveryone(Exception):
    """The view answered with something other than a page (a redirect, say): not cached."""

    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def cached_for_anonymous(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "GET" or viewer_of(request) is not None:
            return view(request, *args, **kwargs)

        def render() -> bytes:
            request.rendering_for_everyone = True  # type: ignore[attr-defined]
            try:
                response = view(request, *args, **kwargs)
            finally:
                request.rendering_for_everyone = False  # type: ignore[attr-defined]
            if response.status_code != 200 or response.get("Content-Type") != HTML:
                raise _NotForEveryone(response)
            return response.content

        try:
            content = cached_for_everyone("page", (request.get_full_path(),), render)
        except _NotForEveryone as answer:
            answer.response.content = _with_token(answer.response.content, request)
            return answer.response
        return HttpResponse(_with_token(content, request), content_type=HTML)

    return wrapper


def _with_token(content: bytes, request: HttpRequest) -> bytes:
    placeholder = PLACEHOLDER.encode()
    if placeholder not in content:
        return content
    return content.replace(placeholder, get_token(request).encode())
