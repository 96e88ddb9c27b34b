"""Serving models side by side: which gunicorn worker setup serves this app fastest.

Each model is served in turn on one seeded database (round 1: A, B, C; round 2: A, B, C; ...),
so the machine's drift hits every model alike, and measured three ways:
- reads: wrk (like `make bench`) on the API and the pages, anonymous and signed in;
- writes: wrk creating articles (signed in);
- mixed: the project's traffic generator (loadtest/locustfile.py via tests/reliability/traffic.py:
  readers, members and writers, busy users) for BENCH_MIXED_SECONDS.
Prints every round and then the medians per model as a Markdown table (docs/benchmarks.md).

A model is `class:threads`: `sync:1` (one request per process, no keep-alive), `gthread:1`
(one thread, keep-alive connections), `gthread:32` (32 connection threads, Django on one:
realworld/serving.py, the slow-client defence).

    DATABASE_URL=postgres://.../realworld_bench_1k python scripts/bench/serving.py
    BENCH_MODELS=sync:1,gthread:32 BENCH_ROUNDS=3 BENCH_DURATION=5 BENCH_MIXED_SECONDS=30
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import endpoints  # scripts/bench/endpoints.py, beside this file

from tests.reliability.traffic import Traffic
from tests.support.servers import gunicorn_server

DURATION = int(os.environ.get("BENCH_DURATION", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
MIXED_SECONDS = float(os.environ.get("BENCH_MIXED_SECONDS", "30"))
MIXED_USERS = int(os.environ.get("BENCH_MIXED_USERS", "64"))
MODELS = os.environ.get("BENCH_MODELS", "sync:1,gthread:1,gthread:32").split(",")
READS = [
    "GET /api/tags",
    "GET /api/articles (anon)",
    "GET /api/articles/:slug (anon)",
    "GET /api/articles (auth)",
    "GET / (page, anon)",
    "GET / (page, auth)",
]
WRITES = ["POST /api/articles (auth)"]
MIXED = "mixed load (locust)"


def serve(url: str, model: str):
    worker_class, _, threads = model.partition(":")
    env = {
        **endpoints.LIFTED_LIMITS,
        "GUNICORN_WORKER_CLASS": worker_class,
        "GUNICORN_THREADS": threads or "1",
        "GUNICORN_ACCESS_LOG": "",  # the same for every model: no access lines to write
    }
    return gunicorn_server(url, env=env)


def mixed_load(base: str) -> endpoints.Result:
    started = time.monotonic()
    with Traffic(base, MIXED_USERS, seconds=MIXED_SECONDS) as traffic:
        time.sleep(MIXED_SECONDS)
    outcome = traffic.stop()
    elapsed = time.monotonic() - started
    return endpoints.Result(outcome.sent / elapsed, outcome.p50_ms, outcome.p99_ms, outcome.failed)


def main() -> None:
    url = os.environ["DATABASE_URL"]
    names = endpoints.sample_names(url)
    todo = [e for e in endpoints.endpoints(names, writes=True) if e.name in READS + WRITES]
    samples: dict[tuple[str, str], list[endpoints.Result]] = {}
    for round_number in range(1, ROUNDS + 1):
        for model in MODELS:
            with serve(url, model) as server:
                credentials = endpoints.sign_in(server.url, "user1@seed.example")
                for endpoint in todo:
                    endpoints.wrk(server.url, endpoint, credentials, duration=1)  # warm-up
                    result = endpoints.wrk(server.url, endpoint, credentials, duration=DURATION)
                    samples.setdefault((model, endpoint.name), []).append(result)
                samples.setdefault((model, MIXED), []).append(mixed_load(server.url))
            line = "  ".join(
                f"{name.split(' (')[0][-14:]} {runs[-1].rps:6.0f}"
                for (m, name), runs in samples.items()
                if m == model
            )
            print(f"round {round_number}/{ROUNDS} {model:<10} {line}", flush=True)
    print(
        f"\nMedians of {ROUNDS} alternating rounds; wrk {endpoints.THREADS} threads, "
        f"{endpoints.CONNECTIONS} connections, {DURATION} s; mixed: {MIXED_USERS} locust users, "
        f"{MIXED_SECONDS:.0f} s. req/s (p99 ms), errors if any; ratio: over {MODELS[0]}\n"
    )
    ratio_heads = [f"{model} / {MODELS[0]}" for model in MODELS[1:]]
    print("| load | " + " | ".join(MODELS + ratio_heads) + " |")
    print("|---|" + "---:|" * (2 * len(MODELS) - 1))
    for name in [e.name for e in todo] + [MIXED]:
        cells, medians = [], []
        for model in MODELS:
            runs = samples[model, name]
            rps = statistics.median(r.rps for r in runs)
            p99 = statistics.median(r.p99_ms for r in runs)
            errors = sum(r.errors for r in runs)
            medians.append(rps)
            cells.append(f"{rps:.0f} ({p99:.0f})" + (f", {errors} errors" if errors else ""))
        ratios = [f"{m / medians[0]:.2f}" for m in medians[1:]]
        print(f"| {name} | " + " | ".join(cells + ratios) + " |")


if __name__ == "__main__":
    main()
