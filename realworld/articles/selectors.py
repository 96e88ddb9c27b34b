"""Reads for articles: one statement per page, whatever the page size, plus an exact count.

The article rows are the API's hottest path, so they are hand-written SQL, composed with
`psycopg.sql` (measured several times faster than the best ORM form of a page,
docs/benchmarks-history.md "Hand-written SQL"). One statement returns each row with
`favoritesCount`, `favorited`, `author.following` and the sorted `tagList` as correlated
subqueries, all served by indexes. `tests/test_selectors_match_the_orm.py` (in this app) proves
it returns exactly what the ORM expression of the same read returns. `articlesCount` stays exact
and cheap: the unfiltered and `?tag=` totals are counters kept by database triggers in the
writing transaction (models.Counter, Tag.articles_count); other filters count on the narrowest
table (`_count_statement`).

Every `{name}` below is a composition slot filled by `sql.SQL.format`: a table name from the
models (`_meta.db_table`) or a `sql.Placeholder`, bound by psycopg when the statement runs.
"""

import datetime
import functools
from dataclasses import dataclass
from typing import Annotated, Any, NamedTuple, TypedDict, cast, get_type_hints

from django.db import connection, models
from psycopg import sql

from realworld.articles.models import SEARCH_CONFIG, Article, ArticleTag, Counter, Favorite, Tag
from realworld.common import read_cache
from realworld.common.exceptions import Forbidden, NotFound
from realworld.common.paging import Page
from realworld.common.sql import fetch_dicts
from realworld.common.text import storable
from realworld.profiles.models import Follow
from realworld.profiles.selectors import VIEWER, following  # VIEWER: NULL when anonymous
from realworld.users.models import User
from realworld.users.selectors import viewer_id


def _table(model: type[models.Model]) -> sql.Identifier:
    return sql.Identifier(model._meta.db_table)


TABLES = {
    "article": _table(Article),
    "user": _table(User),
    "tag": _table(Tag),
    "article_tag": _table(ArticleTag),
    "favorite": _table(Favorite),
    "follow": _table(Follow),
    "counter": _table(Counter),
}

# What only the viewer sees of article `a`, in every statement that reads it.
FAVORITED = sql.SQL(
    "EXISTS (SELECT 1 FROM {favorite} f WHERE f.article_id = a.id AND f.user_id = {viewer})"
).format(viewer=VIEWER, **TABLES)
AUTHOR_FOLLOWED = following(sql.SQL("a.author_id"))

# Tags sort with COLLATE "C" (code points), like Python's sorted(). Each tag name is a scalar
# subquery, i.e. a primary-key lookup: as a join the planner hashed the whole tag table for
# every row (docs/benchmarks-history.md "Hand-written SQL").
TAG_LIST = sql.SQL(
    """ARRAY(SELECT s.name FROM (SELECT (SELECT t.name FROM {tag} t WHERE t.id = x.tag_id) AS name
                                 FROM {article_tag} x WHERE x.article_id = a.id) s
             ORDER BY s.name COLLATE "C")"""
).format(**TABLES)
FAVORITES_COUNT = sql.SQL("(SELECT count(*) FROM {favorite} f WHERE f.article_id = a.id)").format(
    **TABLES
)


class Column(NamedTuple):
    """How a row's field is read (`select`, over `a` the article and `u` its author) and, when the
    API's article shows it as it is, its name there (`api`)."""

    select: sql.Composable
    api: str | None = None


# --- The article row: every field declared once ------------------------------------------------
# ROW_COLUMNS and BODY_COLUMN (below), the API's article and its documented schema
# (serializers.py), the byline fragment's key (web/fragments.py) and the ORM reference the
# statements are proven against (tests/support/orm_reference.py) are all derived from these two.


class ArticleRow(TypedDict):
    """One article as the list and detail statements return it."""

    id: Annotated[int, Column(sql.SQL("a.id"))]
    slug: Annotated[str, Column(sql.SQL("a.slug"), api="slug")]
    title: Annotated[str, Column(sql.SQL("a.title"), api="title")]
    description: Annotated[str, Column(sql.SQL("a.description"), api="description")]
    tag_list: Annotated[list[str], Column(TAG_LIST, api="tagList")]
    created_at: Annotated[datetime.datetime, Column(sql.SQL("a.created_at"), api="createdAt")]
    updated_at: Annotated[datetime.datetime, Column(sql.SQL("a.updated_at"), api="updatedAt")]
    favorited: Annotated[bool, Column(FAVORITED, api="favorited")]
    favorites_count: Annotated[int, Column(FAVORITES_COUNT, api="favoritesCount")]
    # The author, shown as the API's `author` (profiles.serializers.author_json).
    author__username: Annotated[str, Column(sql.SQL("u.username"))]
    author__bio: Annotated[str, Column(sql.SQL("u.bio"))]
    author__image: Annotated[str | None, Column(sql.SQL("u.image"))]
    author_following: Annotated[bool, Column(AUTHOR_FOLLOWED)]


class ArticleDetailRow(ArticleRow):
    """One article with its body (the detail statement)."""

    body: Annotated[str, Column(sql.SQL("a.body"), api="body")]


def columns_of(row_type: type) -> dict[str, Column]:
    """The declared Column of each field of `row_type`, in declaration order."""
    hints = get_type_hints(row_type, include_extras=True)
    return {name: hint.__metadata__[0] for name, hint in hints.items()}


ARTICLE_COLUMNS = columns_of(ArticleRow)
BODY_COLUMNS = {
    name: column
    for name, column in columns_of(ArticleDetailRow).items()
    if name not in ARTICLE_COLUMNS
}


def _select_list(columns: dict[str, Column]) -> sql.Composed:
    return sql.SQL(", ").join(
        sql.SQL("{} AS {}").format(column.select, sql.Identifier(name))
        for name, column in columns.items()
    )


ROW_COLUMNS = sql.SQL("SELECT {}").format(_select_list(ARTICLE_COLUMNS))
BODY_COLUMN = sql.SQL(", {}").format(_select_list(BODY_COLUMNS))
ARTICLES_FROM = sql.SQL("FROM {article} a JOIN {user} u ON u.id = a.author_id").format(**TABLES)
RECENT_FIRST = sql.SQL("ORDER BY a.created_at DESC, a.id DESC")
# ?tag=: the page is driven from the tag's links, which carry their article's created_at, so
# one index-only scan of article_tag_recent_idx yields the page in order and stops at its end,
# for a tag on three articles or on a third of them (docs/benchmarks-history.md "Hand-written SQL").
TAG_LINKS_FROM = sql.SQL(
    "FROM {article_tag} tx JOIN {article} a ON a.id = tx.article_id"
    " JOIN {user} u ON u.id = a.author_id"
).format(**TABLES)
TAG_LINKS_RECENT_FIRST = sql.SQL("ORDER BY tx.article_created_at DESC, tx.article_id DESC")
TAG_ID = sql.SQL("(SELECT id FROM {tag} WHERE name = {name})").format(
    name=sql.Placeholder("tag"), **TABLES
)
# ?search=: web-search syntax ("quoted phrase", or, -excluded) over the stored search vector
# (models.Article.search_vector, GIN-indexed), best match first, then most recent.
SEARCH_QUERY = sql.SQL("websearch_to_tsquery({config}, {search})").format(
    config=sql.Literal(SEARCH_CONFIG), search=sql.Placeholder("search")
)
# A search page is found first as ids and ranks (`hits`), then only those rows are read whole:
# joining every match to its author and sorting the wide rows cost 10x more on a rare word. The
# hits carry the number of matches (`count(*) OVER ()`), so the index is searched once, not
# again for articlesCount (docs/benchmarks-history.md "Search").
SEARCH_HITS = sql.SQL(
    """SELECT a.id, a.created_at, ts_rank_cd(a.search_vector, {query}) AS rank,
       count(*) OVER () AS matches {source} {where}
ORDER BY rank DESC, a.created_at DESC, a.id DESC LIMIT {limit} OFFSET {offset}"""
)
SEARCH_PAGE = sql.SQL(
    """{columns}, h.matches AS {matches}
FROM ({hits}) h JOIN {article} a ON a.id = h.id JOIN {user} u ON u.id = a.author_id
ORDER BY h.rank DESC, h.created_at DESC, h.id DESC"""
)
MATCHES = "_matches"  # the extra column of a search page's rows: how many articles match


def _user_id(param: str) -> sql.Composed:
    """The id of the user whose username is the parameter `param`."""
    return sql.SQL("(SELECT id FROM {user} WHERE username = {name})").format(
        name=sql.Placeholder(param), **TABLES
    )


# The WHERE term of each list filter, bound to the parameter of the same name. `tag` is a term
# on the tag's links (`tx`), which drive a tagged page (TAG_LINKS_FROM).
FILTER_TERMS: dict[str, sql.Composable] = {
    "tag": sql.SQL("tx.tag_id = {}").format(TAG_ID),
    "author": sql.SQL("a.author_id = {}").format(_user_id("author")),
    "favorited": sql.SQL(
        "a.id IN (SELECT article_id FROM {favorite} WHERE user_id = {user_id})"
    ).format(user_id=_user_id("favorited"), **TABLES),
    "feed": sql.SQL(
        "a.author_id IN (SELECT followee_id FROM {follow} WHERE follower_id = {id})"
    ).format(id=sql.Placeholder("feed"), **TABLES),
    # A search of only excluded words ("-word") cannot use the index and would rank every
    # article: querytree() is 'T' for such a query, and it matches nothing.
    "search": sql.SQL("a.search_vector @@ {query} AND querytree({query}) <> 'T'").format(
        query=SEARCH_QUERY
    ),
}


@dataclass(frozen=True)
class ArticleNarrow:
    """Which articles a list shows: the filters that are set, by the names FILTER_TERMS binds."""

    tag: str | None = None
    author: str | None = None
    favorited: str | None = None  # a username: the articles that user favorited
    feed: int | None = None  # a user id: the articles of the authors that user follows
    search: str | None = None  # words to find (web-search syntax): best match first

    @property
    def params(self) -> dict[str, Any]:
        return {name: value for name, value in vars(self).items() if value is not None}

    @property
    def statements(self) -> tuple[str, str]:
        """(page, count) SQL for this combination of filters, composed once per combination."""
        return _statements(frozenset(self.params))


@functools.cache
def _statements(filters: frozenset[str]) -> tuple[str, str]:
    terms = [term for name, term in FILTER_TERMS.items() if name in filters]
    where = sql.SQL("WHERE {}").format(sql.SQL(" AND ").join(terms)) if terms else sql.SQL("")
    tagged = "tag" in filters
    window = {"limit": sql.Placeholder("limit"), "offset": sql.Placeholder("offset")}
    page: sql.Composable
    if "search" in filters:
        hits = SEARCH_HITS.format(
            query=SEARCH_QUERY, source=_narrowest_source(filters), where=where, **window
        )
        page = SEARCH_PAGE.format(
            columns=ROW_COLUMNS, hits=hits, matches=sql.Identifier(MATCHES), **TABLES
        )
    else:
        page = sql.SQL("{} {} {} {} LIMIT {limit} OFFSET {offset}").format(
            ROW_COLUMNS,
            TAG_LINKS_FROM if tagged else ARTICLES_FROM,
            where,
            TAG_LINKS_RECENT_FIRST if tagged else RECENT_FIRST,
            **window,
        )
    return page.as_string(), _count_statement(filters, where).as_string()


def _narrowest_source(filters: frozenset[str]) -> sql.Composed:
    """FROM the articles, or from the tag's links when there is a ?tag= (their WHERE terms)."""
    source = (
        sql.SQL("FROM {article_tag} tx JOIN {article} a ON a.id = tx.article_id")
        if "tag" in filters
        else sql.SQL("FROM {article} a")
    )
    return source.format(**TABLES)


def _count_statement(filters: frozenset[str], where: sql.Composable) -> sql.Composed:
    """The cheapest exact count: a trigger-kept counter, else the narrowest table."""
    if not filters:  # every article
        return sql.SQL(
            "SELECT coalesce((SELECT value FROM {counter} WHERE name = 'articles'), 0)"
        ).format(**TABLES)
    if filters == {"tag"}:
        return sql.SQL(
            "SELECT coalesce((SELECT articles_count FROM {tag} WHERE name = {name}), 0)"
        ).format(name=sql.Placeholder("tag"), **TABLES)
    if filters == {"favorited"}:  # one user's favorites: the link table alone
        return sql.SQL("SELECT count(*) FROM {favorite} WHERE user_id = {user_id}").format(
            user_id=_user_id("favorited"), **TABLES
        )
    return sql.SQL("SELECT count(*) {} {}").format(_narrowest_source(filters), where)


def _page_of(
    narrow: ArticleNarrow, *, viewer: User | None, page: Page
) -> tuple[list[ArticleRow], int]:
    page_sql, count_sql = narrow.statements
    params = {**narrow.params, "viewer": viewer_id(viewer)}
    rows = fetch_dicts(page_sql, {**params, "limit": page.limit, "offset": page.offset})
    if rows and MATCHES in rows[0]:  # a search page counted its matches
        count = rows[0][MATCHES]
        for row in rows:
            del row[MATCHES]
        return cast(list[ArticleRow], rows), count
    with connection.cursor() as cursor:  # past the last page of a search too
        cursor.execute(count_sql, narrow.params)
        count = cursor.fetchone()[0]
    return cast(list[ArticleRow], rows), count


def article_list(
    *, filters: ArticleNarrow, viewer: User | None, page: Page
) -> tuple[list[ArticleRow], int]:
    """A page of articles (most recent first) and the total number matching the filters."""
    narrow = filters
    if not all(storable(value) for value in narrow.params.values()):
        return [], 0  # no tag, author or user can be named so
    signed_in = viewer_id(viewer)
    if signed_in is not None and not read_cache.rows_shared_with_signed_in():
        return _page_of(narrow, viewer=viewer, page=page)
    rows, count = read_cache.cached_for_everyone(
        "list",
        (narrow, page.limit, page.offset),
        lambda: _page_of(narrow, viewer=None, page=page),
    )
    if signed_in is not None:  # the shared rows, with what only this viewer sees of them
        rows = _with_viewer_flags(rows, signed_in)
    return rows, count


VIEWER_FLAGS = (
    sql.SQL(
        """SELECT a.id, {favorited} AS favorited, {author_followed} AS author_following
FROM {article} a WHERE a.id = ANY({ids})"""
    )
    .format(
        favorited=FAVORITED,
        author_followed=AUTHOR_FOLLOWED,
        ids=sql.Placeholder("ids"),
        **TABLES,
    )
    .as_string()
)


def _with_viewer_flags(rows: list[ArticleRow], viewer_id: int) -> list[ArticleRow]:
    """`favorited` and `author_following` for this viewer, in one query for the whole page."""
    if not rows:
        return rows
    with connection.cursor() as cursor:
        cursor.execute(VIEWER_FLAGS, {"viewer": viewer_id, "ids": [row["id"] for row in rows]})
        flags = {article_id: (favorited, following) for article_id, favorited, following in cursor}
    for row in rows:
        row["favorited"], row["author_following"] = flags.get(row["id"], (False, False))
    return rows


class Excerpt(NamedTuple):
    """A piece of an article's text, and whether it is one of the words a search matched."""

    text: str
    matched: bool


class SearchMatch(TypedDict):
    """Where a search matched an article: its title and description, and a few words of its
    body around the matches (empty when the body has none), each as excerpts."""

    title: list[Excerpt]
    description: list[Excerpt]
    body: list[Excerpt]


# ts_headline marks each matched word between two private-use characters, removed from the
# text beforehand, so a mark in the result is always one of ours. The body is read up to
# HEADLINE_BODY_CHARS: ts_headline parses all it is given, and a body holds up to 100,000.
MATCH_START, MATCH_STOP = "\ue000", "\ue001"
HEADLINE_BODY_CHARS = 20_000
_WHOLE = f"HighlightAll=true, StartSel={MATCH_START}, StopSel={MATCH_STOP}"
_FRAGMENTS = (
    f'MaxFragments=2, MaxWords=18, MinWords=6, FragmentDelimiter=" … ", '
    f"StartSel={MATCH_START}, StopSel={MATCH_STOP}"
)


def _headline(text: sql.Composable, options: str) -> sql.Composed:
    unmarked = sql.SQL("translate({}, {}, '')").format(text, sql.Literal(MATCH_START + MATCH_STOP))
    return sql.SQL("ts_headline({config}, {text}, {query}, {options})").format(
        config=sql.Literal(SEARCH_CONFIG),
        text=unmarked,
        query=SEARCH_QUERY,
        options=sql.Literal(options),
    )


SEARCH_MATCHES = (
    sql.SQL(
        "SELECT a.id, {title} AS title, {description} AS description, {body} AS body"
        " FROM {article} a WHERE a.id = ANY({ids})"
    )
    .format(
        title=_headline(sql.SQL("a.title"), _WHOLE),
        description=_headline(sql.SQL("a.description"), _WHOLE),
        body=_headline(sql.SQL("left(a.body, {})").format(HEADLINE_BODY_CHARS), _FRAGMENTS),
        ids=sql.Placeholder("ids"),
        **TABLES,
    )
    .as_string()
)


def _excerpts(headline: str) -> list[Excerpt]:
    """A marked headline as excerpts: "a \ue000b\ue001 c" -> a, b (matched), c."""
    excerpts = []
    for piece in headline.split(MATCH_START):
        matched, _, rest = piece.rpartition(MATCH_STOP)
        if matched:
            excerpts.append(Excerpt(matched, True))
        if rest:
            excerpts.append(Excerpt(rest, False))
    return excerpts


def search_matches(*, search: str, article_ids: list[int]) -> dict[int, SearchMatch]:
    """Where `search` matched each of these articles (a page of `ArticleNarrow(search=...)`)."""

    def read() -> dict[int, SearchMatch]:
        if not article_ids or not storable(search):
            return {}
        rows = fetch_dicts(SEARCH_MATCHES, {"search": search, "ids": article_ids})
        return {
            row["id"]: SearchMatch(
                title=_excerpts(row["title"]),
                description=_excerpts(row["description"]),
                # With no match in the body, ts_headline gives its first words: not shown.
                body=_excerpts(row["body"]) if MATCH_START in row["body"] else [],
            )
            for row in rows
        }

    return read_cache.cached_for_everyone("search-matches", (search, tuple(article_ids)), read)


def article_feed(*, viewer: User, page: Page) -> tuple[list[ArticleRow], int]:
    """A page of articles by the authors the viewer follows, and their total number."""
    return _page_of(ArticleNarrow(feed=viewer.pk), viewer=viewer, page=page)


ARTICLE_BY_SLUG = (
    sql.SQL("{} {} {} WHERE a.slug = {}")
    .format(ROW_COLUMNS, BODY_COLUMN, ARTICLES_FROM, sql.Placeholder("slug"))
    .as_string()
)


def article_get(*, slug: str, viewer: User | None) -> ArticleDetailRow:
    if not storable(slug):
        raise NotFound("article")
    signed_in = viewer_id(viewer)

    def read() -> list[dict[str, Any]]:
        return fetch_dicts(ARTICLE_BY_SLUG, {"slug": slug, "viewer": signed_in})

    rows = read_cache.shared_if_anonymous(signed_in, "article", (slug,), read)
    if not rows:
        raise NotFound("article")
    return cast(ArticleDetailRow, rows[0])


def tag_list() -> list[str]:
    """Names of the tags in use on at least one article."""

    def read() -> list[str]:
        # A scan of the partial index tag_in_use_idx: the counter says which tags are in use.
        in_use = Tag.objects.filter(articles_count__gt=0).order_by("name")
        return list(in_use.values_list("name", flat=True))

    # The queryset is built only on a miss: building it is most of a cached read's time.
    return read_cache.cached_for_everyone("tags", (), read)


def article_by_slug(*, slug: str) -> Article:
    """The article at this slug, or NotFound: the one "find by slug" for every service."""
    article = Article.objects.filter(slug=slug).first() if storable(slug) else None
    if article is None:
        raise NotFound("article")
    return article


ARTICLE_ID_BY_SLUG = (
    sql.SQL("SELECT id FROM {article} WHERE slug = {slug}")
    .format(slug=sql.Placeholder("slug"), **TABLES)
    .as_string()
)


def article_id_by_slug(*, slug: str) -> int:
    """The id of the article at this slug, or NotFound (comments, favorites): one statement."""
    found = None
    if storable(slug):
        with connection.cursor() as cursor:
            cursor.execute(ARTICLE_ID_BY_SLUG, {"slug": slug})
            found = cursor.fetchone()
    if found is None:
        raise NotFound("article")
    return found[0]


def tag_popular(*, limit: int) -> list[str]:
    """The tags on the most articles (ties by name): the web app's sidebar, on every page."""

    def read() -> list[str]:
        in_use = Tag.objects.filter(articles_count__gt=0).order_by("-articles_count", "name")
        return list(in_use.values_list("name", flat=True)[:limit])

    return read_cache.cached_for_everyone("popular-tags", (limit,), read)


def article_locations() -> "models.QuerySet[Article, Any]":
    """Every article's slug and last change, oldest first: the sitemap (paged by Django)."""
    return Article.objects.order_by("id").values("slug", "updated_at")


def article_total() -> int:
    """How many articles there are: the trigger-kept counter, not a COUNT(*) of the table."""
    counter = Counter.objects.filter(name="articles").values_list("value", flat=True).first()
    return counter or 0


def tag_locations() -> "models.QuerySet[Tag, str]":
    """The names of the tags in use that a URL path can carry, in name order: the sitemap."""
    in_use = Tag.objects.filter(articles_count__gt=0).exclude(name__contains="/")
    return in_use.order_by("name").values_list("name", flat=True)


def tag_in_use(*, name: str) -> bool:
    """Whether any article carries the tag `name`."""
    return storable(name) and Tag.objects.filter(name=name, articles_count__gt=0).exists()


def article_get_for_edit(*, slug: str, user: User) -> ArticleDetailRow:
    """The article with its body, for its author only (Forbidden for anyone else)."""
    row = article_get(slug=slug, viewer=user)
    if row["author__username"] != user.username:
        raise Forbidden("article")
    return row
