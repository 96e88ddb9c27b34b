"""Article previews rendered once and shared by every list page and viewer that shows the same.

A preview's HTML is a pure function of its row (title, counts, author, tags...), whether the
viewer favorited it, and the page it is on (the favorite form's `next`); the viewer's CSRF token
goes in afterwards, where page_cache.PLACEHOLDER stands. So it is cached under a digest of
exactly those inputs: a changed article is a different key, and no content version is needed.
On a signed-in home page the 20 previews were ~80 % of the template time and rendering ~60 % of
the page (docs/benchmarks.md "Signed-in pages").
"""

import hashlib
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from realworld.web.page_cache import PLACEHOLDER

PREVIEW = "web/includes/article_preview.html"


def article_previews(
    request: HttpRequest, articles: Sequence[dict[str, Any]], csrf_token: str
) -> SafeString:
    path = request.get_full_path()
    keys = [
        "preview:" + hashlib.blake2b(repr((path, row)).encode(), digest_size=16).hexdigest()
        for row in articles
    ]
    cache = caches["content"]
    found: dict[str, str] = cache.get_many(keys) if settings.CONTENT_CACHE_ENTRIES else {}
    missing = {}
    template = get_template(PREVIEW)
    for key, row in zip(keys, articles, strict=True):
        if key not in found:
            context = {"article": row, "request": request, "csrf_token": PLACEHOLDER}
            found[key] = missing[key] = template.render(context)
    if missing and settings.CONTENT_CACHE_ENTRIES:
        cache.set_many(missing)
    html = "".join(found[key] for key in keys)
    return mark_safe(html.replace(PLACEHOLDER, csrf_token))  # noqa: S308 - rendered escaped
