"""Django's PostgreSQL backend, with a health check that costs no round trip.

Django checks a persistent connection before each request's first query (CONN_HEALTH_CHECKS)
with a `SELECT 1`: a whole round trip, a large share of a cached read
(docs/benchmarks-history.md "Plain GETs"). A connection that the server closed (a restart, a
failover, `pg_terminate_backend`, an idle timeout) has something waiting on its socket: the end
of the stream or a FATAL notice. Nothing else arrives unasked on an idle connection that does
not LISTEN. So the check first polls the socket without waiting, and only when something is
there runs Django's own check, which reads it and closes the connection if it is dead.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        due = self.connection is not None and self.health_check_enabled  # type: ignore[attr-defined]
        if due and not self.health_check_done and not _data_waiting(self.connection):  # type: ignore[has-type]
            self.health_check_done = True  # nothing from the server: the connection is alive
            return
        super().close_if_health_check_failed()


def _data_waiting(connection) -> bool:
    """True when the server sent something (or the socket is gone): worth a real check."""
    if connection.closed:
        return True
    poller = select.poll()  # unlike select.select, any descriptor number
    poller.register(connection.fileno(), select.POLLIN)
    return bool(poller.poll(0))
