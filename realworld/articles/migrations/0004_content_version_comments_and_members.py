"""The content version (0003) also changes with comments and with users joining or leaving.

An anonymous comment list or profile is then as cacheable as an article page: a new, edited or
deleted comment, a registration and a deleted account each commit a new version (same deferred
trigger function as 0003). A registration invalidates every cached page once; registrations
are rare next to reads.

Backward compatible: two new triggers; code from before ignores them.
"""

from django.db import migrations

FORWARD = """
CREATE CONSTRAINT TRIGGER comments_comment_content_version
    AFTER INSERT OR UPDATE OR DELETE ON comments_comment
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION articles_bump_content_version();
CREATE CONSTRAINT TRIGGER users_user_membership_content_version
    AFTER INSERT OR DELETE ON users_user
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION articles_bump_content_version();
"""

BACKWARD = """
DROP TRIGGER comments_comment_content_version ON comments_comment;
DROP TRIGGER users_user_membership_content_version ON users_user;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_content_version"),
        ("comments", "0001_initial"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
