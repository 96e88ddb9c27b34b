"""The realworld WSGI app with one deliberate fault, for the rollback test of cluster-e2e.yml.

GET /api/articles (the article list, which Flagger's load webhooks request) answers 500; every
other request is the real app's. Never part of the product image.
"""

from collections.abc import Callable, Iterable
from typing import Any

from realworld.wsgi import application as realworld_application

FAULTY_BODY = b'{"errors": {"e2e": ["deliberately broken release"]}}'


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("REQUEST_METHOD") == "GET" and environ.get("PATH_INFO") == "/api/articles":
        start_response(
            "500 Internal Server Error",
            [("Content-Type", "application/json"), ("Content-Length", str(len(FAULTY_BODY)))],
        )
        return [FAULTY_BODY]
    return realworld_application(environ, start_response)
