"""The ceiling for `make bench`: a bare WSGI app replaying captured responses (API and pages).

No framework and no database: it answers each (method, path, signed in or not) with the exact
status, headers and body the real API gave for it, so wrk against it under plain gunicorn (no
config file, sync workers: scripts/bench/endpoints.py) measures what a WSGI server and the
network alone allow for that payload.
Captures come from the JSON file named by BENCH_CEILING_FILE (written by endpoints.py).
"""

import base64
import json
import os
from collections.abc import Callable, Iterable
from typing import Any

with open(os.environ["BENCH_CEILING_FILE"]) as file:
    _RESPONSES = {
        (item["method"], item["path"], item["auth"]): (
            item["status"],
            [tuple(h) for h in item["headers"]],
            base64.b64decode(item["body"]),
        )
        for item in json.load(file)
    }
_NOT_FOUND = ("404 Not Found", [("Content-Type", "text/plain")], b"not captured")
_READY = ("200 OK", [("Content-Type", "text/plain")], b"ok")


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = environ["wsgi.input"].read() if environ.get("CONTENT_LENGTH") else b""
    del body  # read like the real app does, then ignored
    path = environ["PATH_INFO"]
    if environ.get("QUERY_STRING"):
        path = f"{path}?{environ['QUERY_STRING']}"
    if path == "/readyz":
        status, headers, payload = _READY
    else:
        # Signed in: the API's Token header, or the web pages' session cookie.
        signed_in = "HTTP_AUTHORIZATION" in environ or "sessionid=" in environ.get(
            "HTTP_COOKIE", ""
        )
        key = (environ["REQUEST_METHOD"], path, signed_in)
        status, headers, payload = _RESPONSES.get(key, _NOT_FOUND)
    start_response(status, headers)
    return [payload]
