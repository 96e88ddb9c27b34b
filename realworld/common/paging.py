"""A page of a list: what the selectors take, whatever interface asked for it."""

from dataclasses import dataclass

DEFAULT_LIMIT = 20
MAX_LIMIT = 100  # a larger `limit` is served as 100: one request must not dump the table
MAX_OFFSET = 2**31 - 1


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int
