"""DB_PREPARE_THRESHOLD: prepared statements by default (planning skipped on hot reads), none at
all when it is set empty, for a transaction-mode pooler that does not track them. Counted on the
server (pg_prepared_statements) from a process that loads the real settings."""

import os
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.db import connection

from tests.support.databases import REPO_ROOT

PROBE = """
import django
django.setup()
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    for _ in range(4):
        cursor.execute("SELECT %s::int + 1", [1])
    cursor.execute("SELECT count(*) FROM pg_prepared_statements")
    prepared = cursor.fetchone()[0]
print(settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"], prepared)
"""


def probe(**env: str) -> subprocess.CompletedProcess[str]:
    db = connection.settings_dict
    credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    host = quote(db["HOST"] or "localhost", safe="") + (f":{db['PORT']}" if db["PORT"] else "")
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k != "DB_PREPARE_THRESHOLD"
    }
    environment.update(
        {
            "DATABASE_URL": f"postgres://{credentials}@{host}/{quote(db['NAME'])}",
            "DJANGO_SETTINGS_MODULE": "realworld.settings",
            "DJANGO_SECRET_KEY": "k" * 50,
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        env=environment,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("env", "threshold", "prepared"),
    [
        ({}, "2", True),  # the default: a statement run twice is prepared
        ({"DB_PREPARE_THRESHOLD": "0"}, "0", True),
        ({"DB_PREPARE_THRESHOLD": ""}, "None", False),  # off: nothing named on the server
    ],
)
def test_prepare_threshold(env: dict[str, str], threshold: str, prepared: bool) -> None:
    result = probe(**env)
    assert result.returncode == 0, result.stderr
    shown, count = result.stdout.split()
    assert shown == threshold
    assert (int(count) > 0) is prepared, result.stdout


@pytest.mark.django_db
def test_a_bad_threshold_is_refused() -> None:
    result = probe(DB_PREPARE_THRESHOLD="often")
    assert result.returncode != 0
    assert "DB_PREPARE_THRESHOLD must be an integer" in result.stderr
