"""How gunicorn's threads hand requests to Django: bodies buffered first, Django on one thread.

gunicorn's `gthread` worker gives every connection a thread, so a client that sends its body at
1 byte/s holds only that thread, not the worker. Run Django itself on all of those threads,
though, and on few cores they contend for the GIL and each holds its own database connection:
reads fell well below the sync worker's (docs/benchmarks-history.md). So the connection
threads only wait (for the declared body, read into memory), and one thread per process runs
Django, one request at a time on one persistent database connection, as a sync worker does.

gunicorn.conf.py installs it in each threaded worker (post_worker_init): with
GUNICORN_WORKER_CLASS=gthread, the switch for a server exposed without a buffering proxy (the
default, sync workers, is for behind the edge). No kept library does this split inside the
process (a buffering proxy does it in front: in the cluster the edge, Envoy with request
buffering, does); figures in docs/benchmarks.md, proof in tests/reliability.
"""

import contextlib
import heapq
import io
import itertools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import orjson
from django.conf import settings

from realworld.common import messages
from realworld.common.error_bodies import error_body

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApplication = Callable[[Environ, StartResponse], Iterable[bytes]]
Response = tuple[str, list[tuple[str, str]], list[bytes]]

BODY_TIMEOUT_RESPONSE: Response = (
    "408 Request Timeout",
    [("Content-Type", "application/json")],
    [orjson.dumps(error_body({"body": [messages.BODY_NOT_RECEIVED]}))],
)


SERVER_BUSY = "is busy: retry in a moment"
BUSY_PAGE = (
    b'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Busy - Conduit</title>'
    b"</head><body><h1>Busy</h1><p>Conduit is busy: retry in a moment.</p></body></html>"
)


def queue_full_response(environ: Environ) -> Response:
    """503 with Retry-After: JSON under /api, a self-contained page elsewhere."""
    if str(environ.get("PATH_INFO", "")).startswith("/api/"):
        kind, body = "application/json", orjson.dumps(error_body({"server": [SERVER_BUSY]}))
    else:
        kind, body = "text/html; charset=utf-8", BUSY_PAGE
    headers = [("Content-Type", kind), ("Retry-After", "1"), ("Cache-Control", "no-store")]
    return "503 Service Unavailable", headers, [body]


class BodyTimeout(Exception):
    """The client stopped sending its declared body for longer than BODY_READ_TIMEOUT, or
    took longer than BODY_TOTAL_TIMEOUT to send all of it."""


def close_after_response(environ: Environ, start_response: StartResponse) -> None:
    """Make the server close the connection once this response is sent.

    A `Connection: close` header from the application is hop-by-hop to gunicorn, which drops it
    and keeps the connection alive, with the rest of an unread body then read as the next
    request. gunicorn's start_response is a method of its Response, whose force_close() is how
    gunicorn itself ends a connection; any other server gets its socket's read side shut.
    """
    response = getattr(start_response, "__self__", None)
    if response is not None and callable(getattr(response, "force_close", None)):
        response.force_close()
        return
    client: socket.socket | None = environ.get("gunicorn.socket")
    if client is not None:
        client.shutdown(socket.SHUT_RD)


class BufferedSingleThreadApplication:
    """WSGI wrapper: read the body on the connection's thread, then run `app` on the Django thread.

    A request that holds the Django thread longer than `request_timeout` ends the process (the
    gunicorn master starts a new worker), as gunicorn does with a silent sync worker: with one
    Django thread, a hung request would otherwise stall every later one while the worker still
    looks alive. The clock starts when the request starts to run, not while it waits its turn:
    waiting behind others is load, not a hang. At most `queue_limit` requests wait; the next
    one is answered 503 with Retry-After at once.
    """

    def __init__(
        self, app: WSGIApplication, *, request_timeout: float, log: Any, queue_limit: int
    ) -> None:
        self.app = app
        self.request_timeout = request_timeout
        self.log = log
        self.queue_limit = queue_limit
        self.waiting = 0  # submitted to the Django thread, not yet running
        self.waiting_lock = threading.Lock()
        self.django_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="django")

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        try:
            buffer_body(
                environ,
                settings.MAX_REQUEST_BODY_BYTES,
                settings.BODY_READ_TIMEOUT,
                total=settings.BODY_TOTAL_TIMEOUT,
            )
        except BodyTimeout:
            status, headers, body = BODY_TIMEOUT_RESPONSE
            close_after_response(environ, start_response)
        else:
            status, headers, body = self.run_in_turn(environ)
        start_response(status, headers)
        return body

    def run_in_turn(self, environ: Environ) -> Response:
        with self.waiting_lock:
            if self.waiting >= self.queue_limit:
                return queue_full_response(environ)
            self.waiting += 1
        began = threading.Event()
        running = self.django_thread.submit(self.run, environ, began)
        # Its turn comes once the requests ahead have finished, or once a hung one has ended
        # the process; then the clock runs.
        began.wait()
        try:
            return running.result(timeout=self.request_timeout)
        except FutureTimeout:
            self.log.critical(
                "%s %s held Django for over %s s: restarting the worker",
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
                self.request_timeout,
            )
            logging.shutdown()
            os._exit(1)

    def run(self, environ: Environ, began: threading.Event) -> Response:
        """The whole Django request, response body included, on the Django thread.

        The body is collected and the response closed here, so Django's request_finished work
        (database connection housekeeping) runs on the thread that owns the connection.
        """
        with self.waiting_lock:
            self.waiting -= 1
        began.set()
        started: list[Any] = []
        chunks: list[bytes] = []

        def start_response(status: str, headers: list, exc_info: Any = None) -> Callable:
            started[:] = [status, headers]
            return chunks.append  # the WSGI write() callable

        result = self.app(environ, start_response)
        try:
            chunks.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return started[0], started[1], chunks


class ReadDeadlines:
    """Deadlines for whole request bodies, kept by one thread per worker process.

    A per-read socket timeout cannot bound a whole body: gunicorn's reader loops over recv()
    calls inside one read, and a client that sends a byte just before each timeout never
    trips it. When a body's deadline passes, this thread shuts the read side of its socket: the
    pending read returns what arrived, short, and buffer_body answers 408. One thread and a
    heap for every connection, rather than a timer thread per request.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._heap: list[tuple[float, int]] = []
        self._sockets: dict[int, socket.socket] = {}
        self._keys = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, client: socket.socket, seconds: float) -> int:
        key = next(self._keys)
        with self._condition:
            if self._thread is None:  # started in the worker, after gunicorn's fork
                self._thread = threading.Thread(
                    target=self._run, name="body-deadlines", daemon=True
                )
                self._thread.start()
            self._sockets[key] = client
            heapq.heappush(self._heap, (time.monotonic() + seconds, key))
            self._condition.notify()
        return key

    def disarm(self, key: int) -> None:
        with self._condition:
            self._sockets.pop(key, None)

    def _run(self) -> None:
        with self._condition:
            while True:
                while self._heap and self._heap[0][1] not in self._sockets:
                    heapq.heappop(self._heap)  # disarmed
                if not self._heap:
                    self._condition.wait()
                    continue
                deadline, key = self._heap[0]
                left = deadline - time.monotonic()
                if left > 0:
                    self._condition.wait(left)
                    continue
                heapq.heappop(self._heap)
                client = self._sockets.pop(key)
                with contextlib.suppress(OSError):
                    client.shutdown(socket.SHUT_RD)


DEADLINES = ReadDeadlines()


def buffer_body(environ: Environ, limit: int, timeout: float, *, total: float) -> None:
    """Replace wsgi.input with the declared body, read in full.

    Bodies over `limit` are left unread for RequestBodyLimitMiddleware to refuse, and a bad
    Content-Length for it to report. `timeout` bounds each wait for more of the body (as
    nginx's client_body_timeout does) and `total` the whole read (ReadDeadlines): a client that
    stops sending, or sends a byte just before each timeout, frees its thread.
    """
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    if length <= 0 or length > limit:
        return
    client: socket.socket | None = environ.get("gunicorn.socket")
    key = None
    if client is not None:
        client.settimeout(timeout)
        key = DEADLINES.arm(client, total)
    started = time.monotonic()
    try:
        body = environ["wsgi.input"].read(length)
    except TimeoutError as error:
        raise BodyTimeout from error
    finally:
        if client is not None and key is not None:
            DEADLINES.disarm(key)
            client.settimeout(None)
    if len(body) < length and time.monotonic() - started >= total:
        raise BodyTimeout  # the deadline shut the read side: what came is not the body
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
