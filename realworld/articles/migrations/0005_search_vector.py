"""Full-text search: each article's search vector, stored, indexed and kept by PostgreSQL.

One tsvector per article over its title (weight A), its tag names and description (B) and its
body (C), in the 'english' configuration (models.SEARCH_CONFIG). Triggers keep it, like the
counters of 0002: whatever writes an article or a tag link (the services, the admin, the
factories, the seed command's COPY, a cascade), the vector is current in the writing
transaction, and one GIN index serves `@@ websearch_to_tsquery(...)` (selectors.py).

- A row trigger on the article computes the vector before every insert and every update that
  sets the title, description, body or the vector itself, reading the article's tag names.
- Statement triggers on the tag links (transition tables, so a bulk load is one statement)
  set the vector of each article whose links changed to NULL, which the row trigger above
  recomputes: the formula lives in one function.

Lock order: PostgreSQL fires a table's triggers of one kind in name order, so these are named
to fire before 0002's counter triggers (`articles_article_...` < `articles_count_...`). A write
of tag links then locks the article, then the counters, as an edit of an article with its tags
does (the article row first, by its UPDATE): no deadlock between the two.

Backward compatible: a new nullable column, its index, functions and triggers; code from before
ignores the column, and its writes get a vector from the triggers all the same. The backfill
rewrites every article in one statement: 23 s for 100,000 articles on the bench machine, during
which writes to articles wait (reads do not).
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations

FORWARD = """
SET LOCAL statement_timeout = 0;  -- a backfill, not a web request

CREATE FUNCTION articles_search_vector_of(
    article_id bigint, title text, description text, body text
) RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english', coalesce(title, '')), 'A')
        || setweight(to_tsvector('english', coalesce(
               (SELECT string_agg(t.name, ' ') FROM articles_articletag x
                JOIN articles_tag t ON t.id = x.tag_id WHERE x.article_id = $1), '')), 'B')
        || setweight(to_tsvector('english', coalesce(description, '')), 'B')
        || setweight(to_tsvector('english', coalesce(body, '')), 'C')
$$;

CREATE FUNCTION articles_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := articles_search_vector_of(NEW.id, NEW.title, NEW.description, NEW.body);
    RETURN NEW;
END $$;

CREATE TRIGGER articles_search_vector
    BEFORE INSERT OR UPDATE OF title, description, body, search_vector ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_search_vector();

CREATE FUNCTION articles_search_vector_tags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE articles_article SET search_vector = NULL
            WHERE id IN (SELECT article_id FROM new_rows);
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE articles_article SET search_vector = NULL
            WHERE id IN (SELECT article_id FROM old_rows);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER articles_article_vector_from_tags_insert AFTER INSERT ON articles_articletag
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_search_vector_tags();
CREATE TRIGGER articles_article_vector_from_tags_update AFTER UPDATE ON articles_articletag
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_search_vector_tags();
CREATE TRIGGER articles_article_vector_from_tags_delete AFTER DELETE ON articles_articletag
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_search_vector_tags();

-- The backfill: the row trigger computes each vector.
UPDATE articles_article SET search_vector = NULL;
"""

BACKWARD = """
DROP TRIGGER articles_search_vector ON articles_article;
DROP TRIGGER articles_article_vector_from_tags_insert ON articles_articletag;
DROP TRIGGER articles_article_vector_from_tags_update ON articles_articletag;
DROP TRIGGER articles_article_vector_from_tags_delete ON articles_articletag;
DROP FUNCTION articles_search_vector_tags();
DROP FUNCTION articles_search_vector();
DROP FUNCTION articles_search_vector_of(bigint, text, text, text);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_content_version_comments_and_members"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.AddIndex(
            model_name="article",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="article_search_idx"
            ),
        ),
    ]
