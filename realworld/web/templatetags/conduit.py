"""Template helpers: avatars, icons, dates, and the page's state for `window.__conduit_debug__`."""

import functools
from datetime import datetime
from typing import Any

from django import template
from django.conf import settings
from django.utils.html import format_html, format_html_join, json_script
from django.utils.safestring import SafeString, mark_safe

from realworld.users.models import User
from realworld.users.tokens import user_token
from realworld.web import fragments
from realworld.web.markdown import render_markdown

register = template.Library()

# Unhashed on purpose: the e2e contract looks for `default-avatar.svg` in the `src`, which a
# content-hashed name (default-avatar.<hash>.svg) would not contain. whitenoise serves both.
DEFAULT_AVATAR_URL = f"{settings.STATIC_URL}web/default-avatar.svg"

# Icons drawn for this project (24x24, currentColor), named after the Ionicons v2 classes
# the Conduit templates use. Inline SVG: no icon font, no extra request.
ICONS = {
    "ion-heart": "M12 21s-7.5-4.6-9.6-9.3C1 8.4 3 5 6.5 5c2.1 0 3.6 1.2 4.5 2.6h2"
    "C13.9 6.2 15.4 5 17.5 5 21 5 23 8.4 21.6 11.7 19.5 16.4 12 21 12 21z",
    "ion-plus-round": "M10.5 3h3v7.5H21v3h-7.5V21h-3v-7.5H3v-3h7.5z",
    "ion-gear-a": "M10 2h4l.6 2.8 1.9.8 2.4-1.6 2.8 2.8-1.6 2.4.8 1.9L23 10v4l-2.8.6-.8 1.9 "
    "1.6 2.4-2.8 2.8-2.4-1.6-1.9.8L14 22h-4l-.6-2.8-1.9-.8-2.4 1.6-2.8-2.8 1.6-2.4-.8-1.9"
    "L1 14v-4l2.8-.6.8-1.9-1.6-2.4 2.8-2.8 2.4 1.6 1.9-.8z"
    "m2 6.5a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7z",
    "ion-edit": "M3 17.2V21h3.8L18 9.8 14.2 6zM20.7 7.1a1 1 0 0 0 0-1.4l-2.4-2.4a1 1 0 0 0-1.4 0"
    "L15 5.2 18.8 9z",
    "ion-compose": "M4 4h9v2H6v12h12v-7h2v9H4zm14.6-1.4 2.8 2.8L12.8 14H10v-2.8z",
    "ion-trash-a": "M9 3h6l1 1h4v2H4V4h4zM5 8h14l-1.2 13H6.2zm4 3v8h2v-8zm4 0v8h2v-8z",
    "ion-close-round": "M5.6 3.5 12 9.9l6.4-6.4 2.1 2.1-6.4 6.4 6.4 6.4-2.1 2.1-6.4-6.4"
    "-6.4 6.4-2.1-2.1 6.4-6.4-6.4-6.4z",
}


@register.simple_tag(takes_context=True)
def shared(context: template.Context, template_name: str, **data: Any) -> SafeString:
    """`template_name` rendered from `data` alone (plain data), from the fragment cache
    (web/fragments.py): the same for every viewer whose page has the same data."""
    return fragments.render_each(template_name, [data], str(context["csrf_token"]))


@register.simple_tag(takes_context=True)
def article_previews(
    context: template.Context, articles: list[dict], matches: dict | None = None
) -> SafeString:
    """Each article's preview, from the fragment cache (web/fragments.py); in search results,
    with where the search matched it (selectors.SearchMatch, by article id)."""
    page = context["this_page"]
    previews = [
        {"article": article, "this_page": page, "match": (matches or {}).get(article["id"])}
        for article in articles
    ]
    return fragments.render_each(fragments.PREVIEW, previews, str(context["csrf_token"]))


@register.simple_tag(takes_context=True)
def article_meta(context: template.Context, article: dict, is_author: bool) -> SafeString:
    """The author, date and buttons above and below an article, from the fragment cache
    (web/fragments.py), from what they show of the article (not its body)."""
    shown = {name: article[name] for name in fragments.META_FIELDS}
    meta = {"article": shown, "is_author": is_author, "this_page": context["this_page"]}
    return fragments.render_each(fragments.META, [meta], str(context["csrf_token"]))


@register.simple_tag(takes_context=True)
def comment_cards(context: template.Context, comments: list[dict], article_slug: str) -> SafeString:
    """Each comment's card, from the fragment cache (web/fragments.py); the viewer's own have
    a delete button."""
    viewer = context["viewer"]
    cards = [
        {
            "comment": comment,
            "article_slug": article_slug,
            "mine": viewer is not None and viewer.username == comment["author__username"],
        }
        for comment in comments
    ]
    return fragments.render_each(fragments.COMMENT, cards, str(context["csrf_token"]))


@register.simple_tag
@functools.cache  # a handful of names, the same markup every time
def icon(name: str) -> SafeString:
    return format_html(
        '<i class="{}" aria-hidden="true"><svg viewBox="0 0 24 24" width="1em" height="1em">'
        '<path fill="currentColor" d="{}"/></svg></i>',
        name,
        ICONS[name],
    )


@register.filter
def avatar(image: str | None) -> str:
    """The user's image URL, or the project's default avatar when there is none."""
    return image or DEFAULT_AVATAR_URL


@register.filter
def long_date(moment: datetime) -> str:
    """ "December 2nd, 2026", as Conduit shows dates."""
    day = moment.day
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{moment:%B} {day}{suffix}, {moment.year}"


@register.filter
def markdown(source: str) -> SafeString:
    return mark_safe(render_markdown(source))  # noqa: S308  # nosec B308 B703 - sanitized by nh3


@register.simple_tag(takes_context=True)
def conduit_state(context: template.Context, viewer: User | None) -> SafeString:
    """The JSON that conduit.js exposes as window.__conduit_debug__ (no inline script). The
    token in it is bound to the viewer's web session: it dies with it (users/tokens.py)."""
    # A request Django refused before the session middleware (a foreign Host) has no session.
    session = getattr(context.get("request"), "session", None)
    session_key = session.session_key if session is not None else None
    user = None
    if viewer is not None:
        user = {
            "username": viewer.username,
            "email": viewer.email,
            "bio": viewer.bio,
            "image": viewer.image,
            "token": user_token(user=viewer, web_session_key=session_key),
        }
    state = {"authState": "authenticated" if user else "unauthenticated", "user": user}
    return json_script(state, "conduit-state")


@register.filter
def marked(excerpts: list) -> SafeString:
    """A search's excerpts (selectors.Excerpt) as HTML: escaped, the matched words in <mark>."""
    pieces = ((format_html("<mark>{}</mark>", e.text) if e.matched else e.text,) for e in excerpts)
    return format_html_join("", "{}", pieces)
