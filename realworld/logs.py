"""One log line per event, from Django and gunicorn alike: JSON by default (what a log
pipeline parses), text with LOG_FORMAT=text (what `make run` prints). Every line a request
causes carries its request id: the edge's X-Request-ID when it sent one, else a new one,
echoed in the response (RequestIdMiddleware).

Imported by gunicorn.conf.py in the master, before Django: nothing here imports Django.
"""

import contextvars
import logging
import os
import re
import uuid
from typing import Any

from gunicorn.glogging import Logger
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
REQUEST_ID_HEADER = "X-Request-ID"
# What the WSGI environ carries from Django to gunicorn's access line (same dict, both threads).
ENVIRON_REQUEST_ID = "realworld.request_id"
ENVIRON_USER_ID = "realworld.user_id"
ENVIRON_CLIENT = "realworld.client"
# A caller's id is kept only if it is short and plain (it ends up in every log line).
ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def log_format() -> str:
    return "text" if os.environ.get("LOG_FORMAT", "json").lower() == "text" else "json"


def request_id_from(incoming: str | None) -> str:
    if incoming and ACCEPTED_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record: the current request's, or the one passed in `extra`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get() or "-"
        return True


def formatter() -> logging.Formatter:
    if log_format() == "text":
        return logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp=True,
    )


def _status_code(status: Any) -> int | None:
    """200 from "200 OK" (or 200)."""
    try:
        return int(str(status).split(None, 1)[0])
    except (ValueError, IndexError):
        return None


class GunicornLogger(Logger):
    """gunicorn's logger with our formatter, and access lines as structured fields."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter())
                handler.addFilter(RequestIdFilter())

    def access(self, resp: Any, req: Any, environ: dict, request_time: Any) -> None:
        if not self.access_log_enabled:
            return
        # gunicorn's own error path (a request it answered itself) passes an environ without
        # the request line and a response whose status was never parsed: read both from it.
        status = getattr(resp, "status_code", None) or _status_code(getattr(resp, "status", None))
        fields = {
            "method": environ.get("REQUEST_METHOD") or getattr(req, "method", None),
            # never the query string: it may hold secrets
            "path": environ.get("PATH_INFO") or getattr(req, "path", None),
            "status": status,
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "bytes": getattr(resp, "sent", None),
            "request_id": environ.get(ENVIRON_REQUEST_ID),
            "user_id": environ.get(ENVIRON_USER_ID),
            "remote_addr": environ.get(ENVIRON_CLIENT) or environ.get("REMOTE_ADDR"),
        }
        self.access_log.info(
            "%s %s %s %sms",
            fields["method"],
            fields["path"],
            fields["status"],
            fields["duration_ms"],
            extra=fields,
        )
