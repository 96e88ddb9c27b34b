"""gunicorn settings for the RealWorld API (https://docs.gunicorn.org/en/stable/settings.html).

One `sync` worker per core by default: each request is a short burst of CPU plus a few fast
queries on a persistent connection, and one request at a time per process is the fastest model
on few cores (docs/benchmarks.md#serving-models). A sync worker is held by a slow client for as
long as its body takes to arrive, so this default is for a server behind a proxy that buffers
whole requests: the cluster's edge (Envoy, docs/edge.md) does. Exposed directly, set
GUNICORN_WORKER_CLASS=gthread: connection threads read requests and write responses while one
thread runs Django (realworld/serving.py), so a slow client holds a thread, not the worker.
Every value can be overridden from the environment.
"""

import contextlib
import multiprocessing
import os
import shutil
import signal
import tempfile

import gunicorn.http.wsgi

# gunicorn puts its working directory (the repository, /app in the image) on sys.path before
# it reads this file; env.py imports nothing of Django but its ImproperlyConfigured.
from realworld.env import env_float, env_int, env_optional_int, env_str

bind = f"{os.environ.get('GUNICORN_BIND_HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104  # nosec B104
# One worker per core: more only contend, since PostgreSQL and Argon2's own threads already
# fill the cores (scripts/bench/workers.py; docs/benchmarks-history.md).
workers = env_int("WEB_CONCURRENCY", multiprocessing.cpu_count(), minimum=1)
worker_class = env_str("GUNICORN_WORKER_CLASS", "sync")
# gthread only: connection threads per worker, how many clients may be sending a request or
# reading a response at once (slow ones included) before the next one waits. (gunicorn turns a
# sync worker with more than one thread into a gthread worker.)
threads = env_int("GUNICORN_THREADS", 32 if worker_class == "gthread" else 1, minimum=1)
# Time a worker may spend on one request before it is killed and replaced (gthread: the time
# one request may hold the Django thread once its turn came, realworld/serving.py).
timeout = env_int("GUNICORN_TIMEOUT", 30, minimum=1)
# gthread: requests that may wait for the Django thread at once; the next one gets a 503 with
# Retry-After instead of a wait nobody bounds (realworld/serving.py).
queue_limit = env_int("GUNICORN_QUEUE_LIMIT", threads, minimum=1)
# On SIGTERM/SIGHUP, workers finish the requests they hold for up to this long.
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 20, minimum=0)
keepalive = env_int("GUNICORN_KEEPALIVE", 5, minimum=0)
backlog = env_int("GUNICORN_BACKLOG", 2048, minimum=1)
# Worker recycling is off by default: with one worker per core, a restart takes half of a pod's
# capacity while the replacement boots, which showed as p99 spikes in `make bench`
# (docs/benchmarks-history.md, 2026-11-22). Set GUNICORN_MAX_REQUESTS (e.g. 100000) to recycle
# as a guard if a slow leak ever appears; it loses no requests
# (tests/reliability/test_graceful.py).
max_requests = env_int("GUNICORN_MAX_REQUESTS", 0, minimum=0)
max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", 0, minimum=0)
# Limits on the request line and headers (bodies are limited by MAX_REQUEST_BODY_BYTES).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Worker heartbeats go to memory, not to the (read-only) image filesystem.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or (
    "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108  # nosec B108
)
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # "" turns it off
# JSON lines (LOG_FORMAT=text: plain) with the request id; access lines as fields.
logger_class = "realworld.logs.GunicornLogger"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "realworld"
# No runtime control socket (gunicorn >= 25 creates ~/.gunicorn/gunicorn.ctl by default): one
# fixed path shared by every server on the host, and an admin interface nobody here uses.
control_socket_disable = True

# --- Metrics ------------------------------------------------------------------------------------
# Workers write their samples to files in PROMETHEUS_MULTIPROC_DIR (realworld/metrics.py); the
# master serves the sum on METRICS_PORT ("" or "0" turns it off). The variable must be set
# before prometheus_client is first imported, so here, at configuration time; the directory
# is made fresh when the master starts and removed when it exits.
metrics_port = env_optional_int("METRICS_PORT", 9100, minimum=0) or 0
metrics_host = os.environ.get("METRICS_BIND_HOST", "0.0.0.0")  # noqa: S104  # nosec B104
if metrics_port:
    # Always this master's own directory, never one inherited from a parent process: two
    # servers started side by side (the benchmark's) must not share, nor delete, each other's.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.path.join(
        worker_tmp_dir or tempfile.gettempdir(), f"realworld-metrics-{os.getpid()}"
    )


def on_starting(server) -> None:
    if metrics_port:
        directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)


def child_exit(server, worker) -> None:
    if metrics_port:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # its live gauges go; its counters stay


def _serve_metrics(server) -> None:
    from realworld import metrics

    registry = metrics.summed_registry(lambda: len(server.WORKERS))
    metrics.serve(metrics_host, metrics_port, registry)
    server.log.info("metrics on http://%s:%s/metrics", metrics_host, metrics_port)


# No version (or product) in the `Server` response header: gunicorn's Response reads this
# module-level name for every response it writes.
gunicorn.http.wsgi.SERVER = "realworld"

# --- Graceful shutdown with a readiness delay ---------------------------------------------------
# On SIGTERM gunicorn closes its listening socket at once, so connections a load balancer is still
# routing here (Kubernetes removes the pod from the Service endpoints asynchronously) would be
# refused. With GUNICORN_SHUTDOWN_DELAY > 0 the first SIGTERM only marks the pod as draining:
# /readyz answers 503 at once while every worker keeps serving; after the delay the usual graceful
# stop runs (listener closed, workers finish their requests within graceful_timeout).
# The draining mark is a flag file next to the worker heartbeat files; its path is put in the
# environment before any worker is forked, and /readyz checks whether it exists (one stat call).
# Kubernetes: preStop sleep + delay + graceful_timeout < terminationGracePeriodSeconds.
shutdown_delay = env_float("GUNICORN_SHUTDOWN_DELAY", 0.0, minimum=0)
DRAINING_FLAG_ENV = "REALWORLD_DRAINING_FLAG"


def _draining_flag() -> str:
    directory = worker_tmp_dir or tempfile.gettempdir()
    return os.path.join(directory, f"realworld-draining-{os.getpid()}")


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def when_ready(server) -> None:  # server: gunicorn's Arbiter
    if metrics_port:
        _serve_metrics(server)
    flag = _draining_flag()
    _remove(flag)
    os.environ[DRAINING_FLAG_ENV] = flag  # inherited by every worker forked from now on
    if shutdown_delay <= 0:
        return
    graceful_stop = server.handle_term  # raises StopIteration: the arbiter's graceful halt
    draining = False

    def handle_term() -> None:
        # The arbiter dispatches signals to `handle_<name>` looked up on the instance.
        nonlocal draining
        if draining:  # the delay is over (our alarm below), or a second SIGTERM: stop now
            graceful_stop()
        draining = True
        with open(flag, "w"):
            pass
        server.log.info("SIGTERM: not ready; serving %.1f s more, then stopping", shutdown_delay)
        # SIGALRM is not one of gunicorn's signals; its handler only queues SIGTERM again
        # (the arbiter's queue is safe to use from a signal handler).
        signal.signal(signal.SIGALRM, lambda *_: server.signal(signal.SIGTERM, None))
        signal.setitimer(signal.ITIMER_REAL, shutdown_delay)

    server.handle_term = handle_term


def post_worker_init(worker) -> None:  # worker: gunicorn's Worker, its app already loaded
    if worker.cfg.threads > 1:
        from realworld.serving import BufferedSingleThreadApplication

        worker.wsgi = BufferedSingleThreadApplication(
            worker.wsgi, request_timeout=worker.cfg.timeout, log=worker.log, queue_limit=queue_limit
        )


def on_exit(server) -> None:
    _remove(_draining_flag())
    if metrics_port:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
