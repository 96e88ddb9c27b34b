"""Kubernetes probes.

/healthz (liveness) only proves the process answers: it never touches the database, so a
database outage does not make Kubernetes restart healthy pods. /readyz (readiness) runs
`SELECT 1` and answers 503 while the database is unreachable, and from the moment gunicorn
receives SIGTERM when a shutdown delay is configured (see gunicorn.conf.py): the pod leaves the
load balancer while it keeps serving.
"""

import os

from django.db import connection
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def draining() -> bool:
    """True once the gunicorn master got SIGTERM (flag file named in the environment)."""
    flag = os.environ.get("REALWORLD_DRAINING_FLAG")
    return flag is not None and os.path.exists(flag)


def readyz(request: HttpRequest) -> JsonResponse:
    if draining():
        return JsonResponse({"status": "draining"}, status=503)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any failure to reach the database means "not ready"
        connection.close_if_unusable_or_obsolete()
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ready", "database": "up"})
