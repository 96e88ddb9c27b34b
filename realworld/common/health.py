"""Kubernetes probes.

/healthz (liveness) only proves the process answers: it never touches the database, so a
database outage does not make Kubernetes restart healthy pods. /readyz (readiness) runs
`SELECT 1` and answers 503 while the database is unreachable.
"""

from django.db import connection
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any failure to reach the database means "not ready"
        connection.close_if_unusable_or_obsolete()
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ready", "database": "up"})
