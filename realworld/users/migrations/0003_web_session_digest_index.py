"""An index to find a web session by the digest a page's token carries (users/tokens.py).

The token a signed-in page hands to its scripts names its session by SHA-256 of the session key
(never the key: the cookie is HttpOnly, the token is not), and the API refuses it once that
session is gone. The digest is computed by PostgreSQL from the key Django stores, so nothing is
written at sign-in; `decode(key, 'escape')` is the key's bytes (Django's keys are [a-z0-9]).
The sessions table is small and only the web app's sign-ins write it, so a plain CREATE INDEX.
"""

from django.db import migrations

INDEX = "django_session_key_digest_idx"


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0002_token_revocation"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {INDEX} ON django_session "
            "(encode(sha256(decode(session_key, 'escape')), 'hex'))",
            reverse_sql=f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
