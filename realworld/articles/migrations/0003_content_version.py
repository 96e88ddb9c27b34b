"""A content version for the anonymous read cache (common/read_cache.py `cached_for_everyone`).

Every committed write that can change what an anonymous reader sees of articles (an article, its
tags, a favorite, an author's username, bio or image) gives the counter row "content" a new value
from a sequence, in the writing transaction, so the new version becomes visible exactly when
the write does. A reader reads the version first and keys its cache entry by it: a page cached
under an old version can never be served once a newer write has committed.

Deferred constraint triggers: they run at commit, after every other lock the transaction takes,
so the one "content" row is always locked last (no lock-order cycle with the counters of 0002,
and no writer holds it for longer than its commit). Row-level, as constraint triggers must be;
a transaction-local flag makes the first one per transaction do the work. The value comes from
a sequence, so it never repeats, even after a TRUNCATE of the counters (test flushes).

Backward compatible: a new row, sequence, function and triggers; code from before ignores them.
"""

from django.db import migrations

# Logins, password and token changes write other columns of users_user: no new version.
FORWARD = """
CREATE SEQUENCE articles_content_version;

CREATE FUNCTION articles_bump_content_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('realworld.content_bumped', true) IS DISTINCT FROM 'on' THEN
        INSERT INTO articles_counter AS c (name, value)
            VALUES ('content', nextval('articles_content_version'))
            ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value;
        PERFORM set_config('realworld.content_bumped', 'on', true);
    END IF;
    RETURN NULL;
END $$;

INSERT INTO articles_counter (name, value) VALUES ('content', nextval('articles_content_version'))
    ON CONFLICT (name) DO NOTHING;

CREATE CONSTRAINT TRIGGER articles_article_content_version
    AFTER INSERT OR UPDATE OR DELETE ON articles_article
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION articles_bump_content_version();
CREATE CONSTRAINT TRIGGER articles_articletag_content_version
    AFTER INSERT OR UPDATE OR DELETE ON articles_articletag
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION articles_bump_content_version();
CREATE CONSTRAINT TRIGGER articles_favorite_content_version
    AFTER INSERT OR DELETE ON articles_favorite
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION articles_bump_content_version();
CREATE CONSTRAINT TRIGGER users_user_content_version
    AFTER UPDATE OF username, bio, image ON users_user
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION articles_bump_content_version();
"""

BACKWARD = """
DROP TRIGGER articles_article_content_version ON articles_article;
DROP TRIGGER articles_articletag_content_version ON articles_articletag;
DROP TRIGGER articles_favorite_content_version ON articles_favorite;
DROP TRIGGER users_user_content_version ON users_user;
DROP FUNCTION articles_bump_content_version();
DROP SEQUENCE articles_content_version;
DELETE FROM articles_counter WHERE name = 'content';
"""


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_counters_and_tag_recency"),
        ("users", "0002_token_revocation"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
