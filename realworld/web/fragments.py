"""Parts of a page that many viewers see alike, rendered once and shared: article previews,
an article's byline and buttons, comment cards.

Such a fragment's HTML is a pure function of the plain data it is rendered from: the row
(title, counts, author, tags...), the viewer's own flags on it (favorited, is it their
comment), and the page it is on (`this_page`, where its forms send the visitor back). The
viewer's CSRF token goes in afterwards, where page_cache.PLACEHOLDER stands. So each is cached
under a digest of exactly that data: a changed row is a different key, and no content version
is needed. On a signed-in home page the previews come from here in a fraction of the time
they take to render (docs/benchmarks-history.md "Signed-in pages").
"""

import hashlib
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from realworld.web.page_cache import PLACEHOLDER

PREVIEW = "web/includes/article_preview.html"
COMMENT = "web/includes/comment.html"
META = "web/includes/article_meta.html"
# What article_meta.html shows of an article, all that its key is made of.
META_FIELDS = (
    "slug",
    "created_at",
    "favorited",
    "favorites_count",
    "author__username",
    "author__image",
    "author_following",
)


def render_each(
    template_name: str, contexts: Sequence[dict[str, Any]], csrf_token: str
) -> SafeString:
    """`template_name` rendered with each context (plain data only: its repr is the key)."""
    keys = [
        "fragment:"
        + hashlib.blake2b(repr((template_name, context)).encode(), digest_size=16).hexdigest()
        for context in contexts
    ]
    cache = caches["content"] if settings.CONTENT_CACHE_ENTRIES else None
    found: dict[str, str] = cache.get_many(keys) if cache is not None else {}
    missing = {}
    template = get_template(template_name)
    for key, context in zip(keys, contexts, strict=True):
        if key not in found:
            found[key] = missing[key] = template.render({**context, "csrf_token": PLACEHOLDER})
    if missing and cache is not None:
        cache.set_many(missing)
    html = "".join(found[key] for key in keys)
    # Safe: every fragment is a template's autoescaped output, and Django's CSRF token is
    # alphanumeric (a cookie of any other form is replaced with a new token).
    return mark_safe(html.replace(PLACEHOLDER, csrf_token))  # noqa: S308  # nosec B308 B703
