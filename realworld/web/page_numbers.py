"""`?page=N` for the article lists: which rows to read, and the links under the list."""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import HttpRequest

from realworld.common.paging import MAX_OFFSET, Page

ARTICLES_PER_PAGE = 10  # as in Conduit
LAST_PAGE = MAX_OFFSET // ARTICLES_PER_PAGE
WINDOW = 3  # pages shown either side of the current one


@dataclass(frozen=True)
class RequestedPage:
    number: int
    base: str
    keep: dict[str, str] = field(default_factory=dict)

    @property
    def window(self) -> Page:
        return Page(limit=ARTICLES_PER_PAGE, offset=(self.number - 1) * ARTICLES_PER_PAGE)

    def url_for(self, number: int) -> str:
        query = {**self.keep, **({"page": str(number)} if number > 1 else {})}
        return f"{self.base}?{urlencode(query)}" if query else self.base


def page_number(raw: str) -> int:
    """`?page=` as a page number: anything but digits is page 1, past the last the last."""
    number = int(raw) if raw.isascii() and raw.isdigit() else 1
    return min(max(number, 1), LAST_PAGE)


def canonical_page(raw: str) -> str | None:
    """`?page=` as the page cache keys it: the number, or None for page 1 (as if absent)."""
    number = page_number(raw)
    return None if number == 1 else str(number)


def requested_page(request: HttpRequest, *, base: str, keep: dict[str, str] | None = None):
    number = page_number(request.GET.get("page", "1"))
    return RequestedPage(number=number, base=base, keep=keep or {})


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: a gap ("...")
    url: str
    active: bool


def page_links(
    *, current: int, total: int, per_page: int, url: Callable[[int], str]
) -> list[PageLink]:
    """1, a window around the current page, the last page; gaps between them."""
    last = max(1, -(-total // per_page))
    if last == 1:
        return []
    shown = sorted({1, last, *range(max(1, current - WINDOW), min(last, current + WINDOW) + 1)})
    links: list[PageLink] = []
    for number in shown:
        if links and links[-1].number is not None and number - links[-1].number > 1:
            links.append(PageLink(number=None, url="", active=False))
        links.append(PageLink(number=number, url=url(number), active=number == current))
    return links
