"""Worker model and count for gunicorn.conf.py: a sweep on an already seeded database.

For each WEB_CONCURRENCY and worker class it serves the API and runs wrk (like `make bench`)
on three reads and on login, and measures the hasher's raw verify rate with as many processes
as workers. Prints one line per setting; the choice is written down in gunicorn.conf.py.

    DATABASE_URL=postgres://.../perf_bench_1k python scripts/bench/workers.py
    BENCH_WORKERS=2,3,4,5 BENCH_CLASSES=sync,gthread:32 BENCH_DURATION=5
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import endpoints  # scripts/bench/endpoints.py, beside this file

from tests.support.servers import gunicorn_server

DURATION = int(os.environ.get("BENCH_DURATION", "5"))


def main() -> None:
    url = os.environ["DATABASE_URL"]
    names = endpoints.sample_names(url)
    chosen = {
        "GET /api/articles (anon)",
        "GET /api/articles/:slug (anon)",
        "GET /api/articles (auth)",
        endpoints.LOGIN,
    }
    todo = [e for e in endpoints.endpoints(names, writes=True) if e.name in chosen]
    for count in os.environ.get("BENCH_WORKERS", "2,3,4,5").split(","):
        rate = endpoints.hasher_verify_rate(5.0, processes=int(count))
        for worker_class in os.environ.get("BENCH_CLASSES", "sync,gthread:32").split(","):
            # "sync", or "gthread:N" for N connection threads (realworld/serving.py)
            name, _, threads = worker_class.partition(":")
            args = ("--worker-class", name, "--threads", threads or "1")
            env = {"WEB_CONCURRENCY": count}
            env.update(endpoints.LIFTED_LIMITS)
            with gunicorn_server(url, env=env, args=args) as server:
                credentials = endpoints.sign_in(server.url, "user1@seed.example")
                cells = []
                for endpoint in todo:
                    endpoints.wrk(server.url, endpoint, credentials, duration=1)
                    seconds = max(DURATION, 15) if endpoint.name == endpoints.LOGIN else DURATION
                    result = endpoints.wrk(server.url, endpoint, credentials, duration=seconds)
                    cells.append(f"{result.rps:7.1f} ({result.p99_ms:5.0f})")
                login = result.rps / rate
                print(
                    f"workers={count} {worker_class:<7} "
                    + " ".join(cells)
                    + f"  hasher={rate:.1f}/s login ratio={login:.2f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
