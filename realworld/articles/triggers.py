"""Every PostgreSQL trigger that keeps a column or row of this app true, and what it keeps.

The columns they maintain (Tag.articles_count, ArticleTag.article_created_at, the Counter rows,
Article.search_vector) are never set from Python: whatever writes (a service, a factory, COPY, a
cascade), the database keeps them in the writing transaction. The SQL lives in the migration
named (a migration is frozen once released); realworld/articles/tests/test_triggers.py checks
that the database has exactly these triggers, each on its table calling its function, so this
list cannot drift from what runs.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Trigger:
    name: str
    table: str
    function: str
    keeps: str
    migration: str


COUNTERS = "Counter 'articles' and Tag.articles_count (statement-level, transition tables)"
CONTENT = "Counter 'content': the content version of the anonymous read cache (deferred)"
SEARCH = "Article.search_vector: title, tag names, description and body (full-text search)"

TRIGGERS = (
    Trigger(
        "articles_count_insert", "articles_article", "articles_count_articles", COUNTERS, "0002"
    ),
    Trigger(
        "articles_count_delete", "articles_article", "articles_count_articles", COUNTERS, "0002"
    ),
    *(
        Trigger(
            f"articles_count_tag_links_{event}",
            "articles_articletag",
            "articles_count_tag_links",
            COUNTERS,
            "0002",
        )
        for event in ("insert", "update", "delete")
    ),
    Trigger(
        "articles_link_created_at",
        "articles_articletag",
        "articles_link_created_at",
        "ArticleTag.article_created_at, copied from its article (BEFORE INSERT/UPDATE)",
        "0002",
    ),
    *(
        Trigger(f"{table}_content_version", table, "articles_bump_content_version", CONTENT, "0003")
        for table in ("articles_article", "articles_articletag", "articles_favorite", "users_user")
    ),
    Trigger(
        "comments_comment_content_version",
        "comments_comment",
        "articles_bump_content_version",
        CONTENT,
        "0004",
    ),
    Trigger(
        "users_user_membership_content_version",
        "users_user",
        "articles_bump_content_version",
        CONTENT,
        "0004",
    ),
    Trigger("articles_search_vector", "articles_article", "articles_search_vector", SEARCH, "0005"),
    *(
        Trigger(
            # Named to fire before the counter triggers: the article is locked first (0005).
            f"articles_article_vector_from_tags_{event}",
            "articles_articletag",
            "articles_search_vector_tags",
            SEARCH,
            "0005",
        )
        for event in ("insert", "update", "delete")
    ),
)
