"""What the service does when its own error handling fails: never silent, never gunicorn's page.

Two failures used to leave nothing but an access line `GET None None` and gunicorn's bare
"Internal Server Error" page:

- a production start without `collectstatic`: every page (every 404 page included) asked the
  static files manifest for its stylesheet and raised; `require_static_manifest` now refuses to
  start instead, with one line that says what to run;
- an error raised while Django renders its error page: Django gives up and the exception
  reaches gunicorn. `LastResort`, the outermost WSGI layer, logs it once (traceback, request id,
  path) and answers the app's own way: JSON under /api, a self-contained page elsewhere.
"""

import json
import logging
import sys
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import STATICFILES_STORAGE_ALIAS, settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.files.storage import storages

from realworld import logs

logger = logging.getLogger("realworld.last_resort")

# The exit status gunicorn's arbiter reads as "this worker cannot boot": it stops the server
# rather than starting workers that fail the same way forever.
WORKER_BOOT_ERROR = 3

PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Something broke - Conduit</title></head>
<body><h1>Something broke</h1><p>An unexpected error happened; retry later.</p></body></html>
"""
API_BODY = json.dumps({"errors": {"server": ["had an unexpected error"]}}).encode()


def require_static_manifest() -> None:
    """Without DEBUG the pages name their stylesheet through the manifest `collectstatic`
    writes: a server started without it would fail every page, so it does not start."""
    storage = storages[STATICFILES_STORAGE_ALIAS]
    if settings.DEBUG or not isinstance(storage, ManifestFilesMixin):
        return
    if storage.manifest_storage.exists(storage.manifest_name):
        return
    logger.critical(
        "no static files manifest (%s) in STATIC_ROOT=%s: run `python manage.py collectstatic "
        "--noinput` with the same STATIC_ROOT before starting the server",
        storage.manifest_name,
        settings.STATIC_ROOT,
    )
    logging.shutdown()
    sys.exit(WORKER_BOOT_ERROR)


class LastResort:
    """Catches what escapes Django (its own error view failed) and answers anyway."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        try:
            return self.app(environ, start_response)
        except Exception:
            path = environ.get("PATH_INFO", "")
            request_id = environ.get(logs.ENVIRON_REQUEST_ID) or logs.request_id_from(
                environ.get("HTTP_X_REQUEST_ID")
            )
            environ[logs.ENVIRON_REQUEST_ID] = request_id
            logger.exception(
                "unhandled error answering %s %s, and in its error page",
                environ.get("REQUEST_METHOD"),
                path,
                extra={"request_id": request_id, "path": path},
            )
            api = path.startswith("/api/")
            body = API_BODY if api else PAGE
            headers = [
                ("Content-Type", "application/json" if api else "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                (logs.REQUEST_ID_HEADER, request_id),
                ("Cache-Control", "no-store"),
                ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
                ("X-Frame-Options", "DENY"),
                ("X-Content-Type-Options", "nosniff"),
                ("Referrer-Policy", "same-origin"),
            ]
            start_response("500 Internal Server Error", headers, sys.exc_info())
            return [body]
