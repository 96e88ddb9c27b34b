"""The table behind the DatabaseCache (settings.CACHES when REDIS_URL is not set).

It holds the login and registration throttle counters, shared by every worker and pod; created
here so that `migrate` is the only setup step (it is what `createcachetable` would create).
"""

from django.db import migrations

CREATE = """
CREATE TABLE IF NOT EXISTS "realworld_cache" (
    "cache_key" varchar(255) NOT NULL PRIMARY KEY,
    "value" text NOT NULL,
    "expires" timestamp with time zone NOT NULL
);
CREATE INDEX IF NOT EXISTS "realworld_cache_expires" ON "realworld_cache" ("expires");
"""


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []
    operations = [
        migrations.RunSQL(CREATE, reverse_sql='DROP TABLE IF EXISTS "realworld_cache";'),
    ]
