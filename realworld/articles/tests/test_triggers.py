"""The database has exactly the triggers articles/triggers.py declares, no more, no fewer."""

import pytest
from django.db import connection

from realworld.articles.triggers import TRIGGERS

pytestmark = pytest.mark.django_db

USER_TRIGGERS = """
SELECT t.tgname, c.relname, p.proname
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
WHERE NOT t.tgisinternal
"""


def test_the_declared_triggers_are_the_ones_in_the_database():
    with connection.cursor() as cursor:
        cursor.execute(USER_TRIGGERS)
        found = set(cursor.fetchall())
    declared = {(trigger.name, trigger.table, trigger.function) for trigger in TRIGGERS}
    assert found == declared
    assert len(declared) == len(TRIGGERS)  # no name declared twice
