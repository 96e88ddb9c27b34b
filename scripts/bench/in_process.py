"""Per-request cost inside one process: the whole WSGI stack (every middleware), no network.

Calls the Django WSGI application with a GET environ in a loop, as gunicorn would, and prints
the median microseconds per request over BENCH_ROUNDS rounds of BENCH_REQUESTS. With
BENCH_REVISIONS it measures each revision in its own process from the worktrees
scripts/bench/revisions.py makes, alternating A, B, A, B, so the machine's drift hits both.

    DATABASE_URL=postgres://.../bench_1k BENCH_REVISIONS=b3602c3,HEAD \\
        python scripts/bench/in_process.py /api/tags /api/articles
    BENCH_TOKEN=<jwt> ...   # signed in to the API
    BENCH_COOKIE=sessionid=<key> ...   # signed in to the web app
    BENCH_COOKIE="sessionid=<a>|sessionid=<b>" ...   # one per revision, in BENCH_REVISIONS order
                                                     # (a session names its auth backend)
"""

import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1000"))
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "realworld.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "in-process-benchmark-key-not-a-secret-0123456789",
    "DJANGO_ALLOWED_HOSTS": "localhost",
    "METRICS_PORT": "",
}


def measure(paths: list[str]) -> None:
    """In this process (cwd: the revision's checkout): one line per path, `<path> <µs>`."""
    sys.path.insert(0, os.getcwd())
    import django
    from django.core.wsgi import get_wsgi_application

    django.setup()
    application = get_wsgi_application()
    token = os.environ.get("BENCH_TOKEN")
    cookie = os.environ.get("BENCH_COOKIE")

    def request(path: str) -> None:
        path_info, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path_info,
            "QUERY_STRING": query,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "localhost",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }
        if token:
            environ["HTTP_AUTHORIZATION"] = f"Token {token}"
        if cookie:
            environ["HTTP_COOKIE"] = cookie
        statuses: list[str] = []

        def start_response(status: str, headers: list, exc_info: object = None) -> None:
            statuses.append(status)

        b"".join(application(environ, start_response))  # type: ignore[arg-type]
        if not statuses[0].startswith("200"):
            raise SystemExit(f"{path}: {statuses[0]}")

    for path in paths:
        for _ in range(100):  # warm: caches, prepared statements
            request(path)
        started = time.perf_counter()
        for _ in range(REQUESTS):
            request(path)
        print(f"{path} {(time.perf_counter() - started) / REQUESTS * 1e6:.0f}", flush=True)


def main() -> None:
    paths = sys.argv[1:] or ["/api/tags", "/api/articles", "/api/user"]
    if os.environ.get("BENCH_IN_PROCESS_CHILD"):
        measure(paths)
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from revisions import checkout

    revisions = os.environ.get("BENCH_REVISIONS", "HEAD").split(",")
    roots = {revision: checkout(revision) for revision in revisions}
    cookies = os.environ.get("BENCH_COOKIE", "").split("|")
    cookie_of = {r: cookies[min(i, len(cookies) - 1)] for i, r in enumerate(revisions)}
    samples: dict[tuple[str, str], list[float]] = {}
    for _ in range(ROUNDS):
        for revision, root in roots.items():
            output = subprocess.run(  # noqa: S603
                [sys.executable, __file__, *paths],
                cwd=root,
                env={
                    **os.environ,
                    **SERVER_ENV,
                    "BENCH_IN_PROCESS_CHILD": "1",
                    "BENCH_COOKIE": cookie_of[revision],
                },
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            for line in output.splitlines():
                path, micros = line.rsplit(" ", 1)
                samples.setdefault((revision, path), []).append(float(micros))
    print(f"{'path':<40}" + "".join(f"{r:>14}" for r in revisions) + "   ratio")
    for path in paths:
        medians = [statistics.median(samples[revision, path]) for revision in revisions]
        cells = "".join(f"{m:11.0f} µs" for m in medians)
        ratios = " ".join(f"{m / medians[0]:.2f}" for m in medians[1:])
        print(f"{path:<40}{cells}   {ratios}")
    print(f"\nmedian of {ROUNDS} rounds of {REQUESTS} requests; ratios over {revisions[0]}")


if __name__ == "__main__":
    main()
