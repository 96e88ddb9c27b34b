"""Parts of a page that many viewers see alike, rendered once and shared: article previews,
an article's byline and buttons, comment cards.

Such a fragment's HTML is a pure function of the plain data it is rendered from: the row
(title, counts, author, tags...), the viewer's own flags on it (favorited, is it their
comment), and the page it is on (`this_page`, where its forms send the visitor back). The
viewer's CSRF token goes in afterwards, where page_cache.PLACEHOLDER stands. So each is cached
in the read cache (common/read_cache.py `rendered_once`) under exactly that data: a changed row
is a different key, and no content version is needed. On a signed-in home page the previews
come from here in a fraction of the time they take to render (docs/benchmarks-history.md
"Signed-in pages").
"""

from collections.abc import Sequence
from typing import Any

from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from realworld.articles.selectors import ARTICLE_COLUMNS
from realworld.common import read_cache
from realworld.web.page_cache import PLACEHOLDER

PREVIEW = "web/includes/article_preview.html"
COMMENT = "web/includes/comment.html"
META = "web/includes/article_meta.html"
# The byline's key: every field of the article row but the body (selectors.ArticleRow), so a
# field the byline starts to show is in its key with no list to keep in step.
META_FIELDS = tuple(ARTICLE_COLUMNS)


def render_each(
    template_name: str, contexts: Sequence[dict[str, Any]], csrf_token: str
) -> SafeString:
    """`template_name` rendered with each context (plain data only: its repr is the key)."""
    template = get_template(template_name)
    html = "".join(
        read_cache.rendered_once(
            f"fragment:{template_name}",
            contexts,
            lambda context: template.render({**context, "csrf_token": PLACEHOLDER}),
        )
    )
    # Safe: every fragment is a template's autoescaped output, and Django's CSRF token is
    # alphanumeric (a cookie of any other form is replaced with a new token).
    return mark_safe(html.replace(PLACEHOLDER, csrf_token))  # noqa: S308  # nosec B308 B703
