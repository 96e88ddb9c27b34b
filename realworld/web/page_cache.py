"""Anonymous pages rendered once per content version and shared: the read cache
(common/read_cache.py), for HTML.

What an anonymous visitor sees of a list, an article or a profile differs from what another
sees only by the CSRF token in its forms (the favorite and follow buttons are forms). So the
page is rendered with PLACEHOLDER where the token goes (`csrf_placeholder` below, a context
processor), its bytes are cached, and each response gets the visitor's own token in that place.
Template rendering was most of an anonymous home page (docs/benchmarks-history.md "Plain GETs,
cached bytes and pages"). The placeholder is random per process, like the cache, so no text a
user writes can contain it.

A page is keyed by its site address (scheme and host: pages carry absolute canonical URLs), its
path and the query parameters its view declares it reads, each in its canonical form, and the
view renders from exactly those: `?page=01`, `?page=1` and `?utm_source=x` are the page already
cached, not new entries.
"""

import copy
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token

from realworld.common import read_cache
from realworld.web.context import viewer_of

PLACEHOLDER = f"csrf-placeholder-{secrets.token_hex(16)}"
HTML = "text/html; charset=utf-8"
View = Callable[..., HttpResponse]
# A query parameter's canonical value from its raw one (None: as if it were absent).
Canonical = Callable[[str], str | None]


def csrf_placeholder(request: HttpRequest) -> dict[str, str]:
    """Context processor, after Django's csrf one: the placeholder while a page is rendered for
    everyone, else nothing (Django's lazy token stays)."""
    return {"csrf_token": PLACEHOLDER} if getattr(request, "rendering_for_everyone", False) else {}


class _NotForEveryone(Exception):
    """The view answered with something other than a page (a redirect, say): not cached."""

    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def cached_for_anonymous(**reads: Canonical) -> Callable[[View], View]:
    """The view's page for anonymous GETs, from the read cache. `reads`: every query parameter
    the view reads, with its canonical form; the view sees no other."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method != "GET" or viewer_of(request) is not None:
                return view(request, *args, **kwargs)
            query = _canonical_query(request, reads) if request.META.get("QUERY_STRING") else ""

            def render() -> bytes:  # only on a miss: the request as the view renders it
                response = view(_for_everyone(request, query), *args, **kwargs)
                if response.status_code != 200 or response.get("Content-Type") != HTML:
                    raise _NotForEveryone(response)
                return response.content

            # The host too: a page's canonical link and share tags are absolute URLs.
            inputs = (request.scheme, request.get_host(), request.path, query)
            try:
                content = read_cache.cached_for_everyone("page", inputs, render)
            except _NotForEveryone as answer:
                answer.response.content = _with_token(answer.response.content, request)
                return answer.response
            return HttpResponse(_with_token(content, request), content_type=HTML)

        return wrapper

    return decorate


def _canonical_query(request: HttpRequest, reads: dict[str, Canonical]) -> str:
    """The query string of only the declared parameters, canonical, in a fixed order."""
    pairs = []
    for name, canonical_value in reads.items():
        raw = request.GET.get(name)
        value = canonical_value(raw) if raw is not None else None
        if value is not None:
            pairs.append((name, value))
    return urlencode(pairs)


def _for_everyone(request: HttpRequest, query: str) -> HttpRequest:
    """The request with only `query` for its query string (a shallow copy: session, user and
    cookies are the same), marked as rendered for everyone."""
    rendered = copy.copy(request)
    rendered.GET = QueryDict(query)  # as Django parses it
    rendered.META = {**request.META, "QUERY_STRING": query}
    rendered.rendering_for_everyone = True  # type: ignore[attr-defined]
    return rendered


def _with_token(content: bytes, request: HttpRequest) -> bytes:
    placeholder = PLACEHOLDER.encode()
    if placeholder not in content:
        return content
    return content.replace(placeholder, get_token(request).encode())
