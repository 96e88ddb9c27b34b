"""The web app's sign-in: Django's database sessions and ModelBackend, each reading its row
with one statement instead of a queryset.

Every signed-in page reads the session row and then the user row. As querysets
(`Session.objects.get(...)`, `User.objects.get(pk=...)`) they were a large share of a signed-in
home page; as statements they cost little more than their round trips (docs/benchmarks-history.md
"Signed-in pages"). Everything else (encoding, expiry, cycling keys, the session-hash check
that signs a user out when their password changes) is Django's own.

    SESSION_ENGINE = "realworld.web.sessions"
    AUTHENTICATION_BACKENDS = ["realworld.web.sessions.SessionBackend", ...]
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone
from psycopg import sql

from realworld.users.models import User
from realworld.users.selectors import user_by_id

SESSION_BY_KEY = (
    sql.SQL("SELECT session_data FROM {} WHERE session_key = %s AND expire_date > %s")
    .format(sql.Identifier(Session._meta.db_table))
    .as_string()
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        key = self.session_key
        if key is None:
            return None
        with connection.cursor() as cursor:
            cursor.execute(SESSION_BY_KEY, [key, timezone.now()])
            row = cursor.fetchone()
        if row is None:  # unknown or expired, as Django's DoesNotExist
            self._session_key = None
            return None
        return Session(session_key=key, session_data=row[0])


class SessionBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            user = user_by_id(int(user_id))
        except (TypeError, ValueError):
            return None
        return user if user is not None and self.user_can_authenticate(user) else None
