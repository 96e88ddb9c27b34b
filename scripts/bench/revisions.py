"""The cost of a change: two revisions of the app served in turn on one seeded database.

Each revision is checked out in a git worktree under .data/bench-revisions and served by
gunicorn from there with the same settings (the same venv: an older revision must import with
today's locked dependencies). wrk runs the same reads and a signed-in request against each,
alternating A, B, A, B for BENCH_ROUNDS rounds, so the machine's drift hits both alike. Prints
each revision's median req/s and p99 and the ratio B/A.

    DATABASE_URL=postgres://.../perf_bench_1k BENCH_REVISIONS=1c62f79,HEAD \\
        python scripts/bench/revisions.py
    BENCH_ENDPOINTS="GET / (page, anon);GET /api/user (auth)" ...   # other endpoints
"""

import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import endpoints  # scripts/bench/endpoints.py, beside this file

from tests.support.servers import gunicorn_server

DURATION = int(os.environ.get("BENCH_DURATION", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
# Endpoint names as `make bench` prints them, separated by ";" (BENCH_ENDPOINTS overrides).
CHOSEN = os.environ.get(
    "BENCH_ENDPOINTS",
    "GET /api/tags;GET /api/articles (anon);GET /api/articles/:slug (anon)"
    ";GET /api/articles (auth)",
).split(";")


def checkout(revision: str) -> Path:
    commit = subprocess.check_output(  # noqa: S603
        ["git", "rev-parse", "--short", revision],  # noqa: S607
        text=True,
    ).strip()
    path = endpoints.REPO_ROOT / ".data" / "bench-revisions" / commit
    if not path.exists():
        subprocess.check_call(["git", "worktree", "add", "--detach", str(path), commit])  # noqa: S603,S607
        # The sign-in page needs the checkout's own collected static files (its .data/static).
        subprocess.check_call(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=path,
            env={**os.environ, "DJANGO_DEBUG": "1"},
        )
    return path


def main() -> None:
    url = os.environ["DATABASE_URL"]
    revisions = os.environ.get("BENCH_REVISIONS", "HEAD~1,HEAD").split(",")
    roots = {revision: checkout(revision) for revision in revisions}
    names = endpoints.sample_names(url)
    todo = [e for e in endpoints.endpoints(names, writes=False) if e.name in CHOSEN]
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for round_number in range(1, ROUNDS + 1):
        for revision, root in roots.items():
            with gunicorn_server(url, env=dict(endpoints.LIFTED_LIMITS), root=root) as server:
                credentials = endpoints.sign_in(server.url, "user1@seed.example")
                for endpoint in todo:
                    endpoints.wrk(server.url, endpoint, credentials, duration=1)  # warm-up
                    result = endpoints.wrk(server.url, endpoint, credentials, duration=DURATION)
                    samples.setdefault((revision, endpoint.name), []).append(
                        (result.rps, result.p99_ms)
                    )
            print(f"round {round_number}/{ROUNDS}: {revision} done", flush=True)
    first, *others = revisions
    print(f"\n{'endpoint':<34}" + "".join(f"{r:>22}" for r in revisions) + "   ratio (req/s)")
    for endpoint in todo:
        cells, medians = [], []
        for revision in revisions:
            runs = samples[revision, endpoint.name]
            rps = statistics.median(r for r, _ in runs)
            p99 = statistics.median(p for _, p in runs)
            medians.append(rps)
            cells.append(f"{rps:9.1f} req/s {p99:5.0f} ms")
        ratios = " ".join(f"{m / medians[0]:.2f}" for m in medians[1:])
        print(f"{endpoint.name:<34}" + "".join(f"{c:>22}" for c in cells) + f"   {ratios}")
    print(f"\n{ROUNDS} rounds of {DURATION} s each; ratios are {', '.join(others)} over {first}")


if __name__ == "__main__":
    main()
