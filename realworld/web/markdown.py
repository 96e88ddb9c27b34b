"""Article bodies: CommonMark rendered on the server, then sanitized.

markdown-it-py with raw HTML off already escapes any tag in the source and refuses
`javascript:`/`vbscript:`/`data:` links; nh3 (the Rust `ammonia` sanitizer) then keeps only an
allow-list of tags, attributes and URL schemes, so a bug in either layer alone lets nothing
executable through.
"""

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
    "em", "strong", "del", "s", "a", "img", "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}


def render_markdown(source: str) -> str:
    """Safe HTML for an article body written in Markdown."""
    return nh3.clean(
        _markdown.render(source),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
