"""`make bench`: wrk against the API and the web pages on seeded PostgreSQL, with same-run
baselines.

For each scale (1k and 100k articles) it seeds a database, serves it with gunicorn.conf.py and
runs wrk (32 connections, loopback, BENCH_DURATION seconds) on every endpoint, anonymous and
signed in. Each endpoint's response bytes are captured first and replayed by a bare WSGI app
(scripts/bench/ceiling.py) under plain gunicorn: no project config, sync workers, 2 and 4 of
them, each measured right after the app; the faster of the two is the ceiling, and the figure
that matters is the ratio, marked against issue #29's targets. Login is compared with the
password hasher's raw verify rate (one verifying process per core). Last, a second server with
the read cache off serves lists and searches that each request picks anew: what a read costs
when the cache misses, and issue #31's comparison of a search's p99 with a list's. Prints
everything and writes docs/benchmarks.md.

    make bench                                 # DATABASE_URL, else the embedded PostgreSQL
    BENCH_DURATION=10 BENCH_SCALES=1k make bench
    BENCH_ONLY="GET /api/tags;GET /api/articles (anon)" make bench   # stdout only

Seeded users log in as user<N>@seed.example / password (see the seed command).
"""

import base64
import contextlib
import json
import multiprocessing
import os
import platform
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from tests.support.databases import (  # noqa: E402
    database_name,
    recreate_database,
    with_database_name,
)
from tests.support.servers import (  # noqa: E402
    LIFTED_LIMITS,
    LiveServer,
    free_port,
    gunicorn_server,
)

DURATION = int(os.environ.get("BENCH_DURATION", "5"))
CONNECTIONS = 32
THREADS = 2
SCALES = os.environ.get("BENCH_SCALES", "1k,100k").split(",")
# Rerun a few noisy endpoints: names separated by ";" (the report file is then left alone).
ONLY = [name for name in os.environ.get("BENCH_ONLY", "").split(";") if name]
LUA = REPO_ROOT / "scripts" / "bench" / "request.lua"
REPORT = REPO_ROOT / "docs" / "benchmarks.md"
NOTES_MARKER = "<!-- notes: kept by scripts/bench/endpoints.py -->"
# Targets from issue #29: ratio to the bare ceiling by kind of read (see target_ratio()).
TARGET_ANON_API = 0.50
TARGET_AUTH_API = 0.25
TARGET_ANON_PAGE = 0.40
TARGET_AUTH_PAGE = 0.20
TARGET_TAIL = 3.0  # p99 <= 3 x p50
TARGET_GROWTH = 1.5  # p99 at 100k <= 1.5 x p99 at 1k
TARGET_LOGIN = 0.8
TARGET_HOME_VS_LIST = 0.5  # the home page's req/s against the API list endpoint's
TARGET_SEARCH_VS_LIST = 2.0  # issue #31: a search's p99 <= 2 x the anonymous list's, at 100k
CEILING_WORKERS = (2, 4)  # the bare ceiling runs at each; the faster counts
HOME = "GET / (page, anon)"
API_LIST = "GET /api/articles (anon)"
LOGIN = "POST /api/users/login"
SEARCH_API = "GET /api/articles?search= (anon)"
# Served with the read cache off (`uncached`): what every read costs when the cache misses.
UNCACHED_LIST = "GET /api/articles?author= (anon, uncached)"
UNCACHED_PAGE = "GET /profile/:username (page, anon, uncached)"
RARE_SEARCH_API = "GET /api/articles?search=<rare word> (anon, uncached)"
COMMON_SEARCH_API = "GET /api/articles?search=<word in all>+<rare word> (anon, uncached)"
RARE_SEARCH_PAGE = "GET /search?q=<rare word> (page, anon, uncached)"
COMMON_SEARCH_PAGE = "GET /search?q=<word in all>+<rare word> (page, anon, uncached)"
# Issue #31's comparison: a search's p99 against the list's, each pair alike in caching.
SEARCH_VS_LIST = (
    (SEARCH_API, API_LIST),
    (RARE_SEARCH_API, UNCACHED_LIST),
    (COMMON_SEARCH_API, UNCACHED_LIST),
    (RARE_SEARCH_PAGE, UNCACHED_PAGE),
    (COMMON_SEARCH_PAGE, UNCACHED_PAGE),
)
FLOOR = "GET /healthz (Django floor)"
HOP_HEADERS = ("server", "date", "connection")  # gunicorn writes its own
SEED_PASSWORD = "password"  # noqa: S105 - the seeded users' documented password


@dataclass
class Endpoint:
    name: str
    path: str
    auth: bool = False
    method: str = "GET"
    body: str = ""
    expect: int = 200
    read: bool = True
    page: bool = False  # a web page: signed in by the session cookie, not the Token header
    floor: bool = False  # a reference row, no target: what any request through Django costs
    # Served by a second server with the read cache off; "{n}" in the path is a random number
    # from 1 to `uncached` each request, so PostgreSQL is not asked one row over and over. No
    # bare ceiling (it replays one response): compared with an uncached list, in the same run.
    uncached: int = 0


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


@dataclass
class Row:
    endpoint: Endpoint
    app: Result
    ceiling: Result | None = None
    ceiling_workers: int = 0  # how many bare sync workers served the ceiling fastest
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        return self.app.rps / self.ceiling.rps if self.ceiling else None

    @property
    def target(self) -> float | None:
        return target_ratio(self.endpoint)


def target_ratio(endpoint: Endpoint) -> float | None:
    """Issue #29's floor for this read's ratio to the bare ceiling (writes have none)."""
    if not endpoint.read or endpoint.floor or endpoint.uncached:
        return None
    if endpoint.page:
        return TARGET_AUTH_PAGE if endpoint.auth else TARGET_ANON_PAGE
    return TARGET_AUTH_API if endpoint.auth else TARGET_ANON_API


# --- databases ------------------------------------------------------------------------------


def seeded_database(base_url: str, scale: str) -> str:
    url = with_database_name(base_url, f"{database_name(base_url)}_bench_{scale}")
    env = dict(os.environ, DATABASE_URL=url, DJANGO_DEBUG="1")
    recreate_database(url)
    for args in (["migrate", "--noinput", "-v0"], ["seed", "--preset", scale]):
        subprocess.run([sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=env, check=True)  # noqa: S603
    return url


def sample_names(url: str) -> dict[str, str]:
    """Worst-case picks: the most used tag, the most prolific author, the most commented article."""
    import psycopg

    queries = {
        "tag": "SELECT t.name FROM articles_tag t JOIN articles_articletag x ON x.tag_id = t.id"
        " GROUP BY t.name ORDER BY count(*) DESC, t.name LIMIT 1",
        "author": "SELECT u.username FROM users_user u JOIN articles_article a"
        " ON a.author_id = u.id GROUP BY u.username ORDER BY count(*) DESC, u.username LIMIT 1",
        "slug": "SELECT a.slug FROM articles_article a JOIN comments_comment c"
        " ON c.article_id = a.id GROUP BY a.slug ORDER BY count(*) DESC, a.slug LIMIT 1",
        # How far "{n}" ranges in an uncached endpoint's path (seeded ids are 1 to these).
        "users": "SELECT count(*)::text FROM users_user",
        "articles": "SELECT count(*)::text FROM articles_article",
    }
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        return {key: conn.execute(sql).fetchone()[0] for key, sql in queries.items()}  # type: ignore[index]


# --- HTTP and wrk -----------------------------------------------------------------------------


@dataclass
class Credentials:
    token: str  # for the API
    cookie: str  # for the pages: `sessionid=...`


def http(
    base: str, endpoint: Endpoint, credentials: Credentials
) -> tuple[int, list[tuple[str, str]], bytes]:
    request = urllib.request.Request(  # noqa: S310 - loopback only
        base + endpoint.path.replace("{n}", "1"),
        method=endpoint.method,
        data=endpoint.body.encode() if endpoint.body else None,
        headers={"Content-Type": "application/json"} if endpoint.body else {},
    )
    if endpoint.auth and endpoint.page:
        request.add_header("Cookie", credentials.cookie)
    elif endpoint.auth:
        request.add_header("Authorization", f"Token {credentials.token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  # nosec B310
            return response.status, list(response.getheaders()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, list(error.headers.items()), error.read()


def wrk(
    base: str, endpoint: Endpoint, credentials: Credentials, duration: int = DURATION
) -> Result:
    env = dict(
        os.environ,
        BENCH_METHOD=endpoint.method,
        BENCH_BODY=endpoint.body,
        BENCH_TOKEN=credentials.token if endpoint.auth and not endpoint.page else "",
        BENCH_COOKIE=credentials.cookie if endpoint.auth and endpoint.page else "",
        BENCH_RANDOM_PATH=endpoint.path if endpoint.uncached else "",
        BENCH_RANDOM_MAX=str(endpoint.uncached),
    )
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}s", "--timeout", "10s"]
    output = subprocess.run(  # noqa: S603
        [*command, "-s", str(LUA), base + endpoint.path.replace("{n}", "1")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 30,
    ).stdout
    match = re.search(
        r"BENCH_RESULT requests=(\d+) duration_us=(\d+) p50_us=(\d+) p99_us=(\d+) errors=(\d+)",
        output,
    )
    if not match:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    requests, duration_us, p50, p99, errors = map(int, match.groups())
    return Result(requests / (duration_us / 1e6), p50 / 1000, p99 / 1000, errors)


def sign_in(base: str, email: str) -> Credentials:
    """A JWT from the API and a session cookie from the web app's sign-in form."""
    body = json.dumps({"user": {"email": email, "password": SEED_PASSWORD}})
    status, _, payload = http(
        base, Endpoint("login", "/api/users/login", method="POST", body=body), Credentials("", "")
    )
    if status != 200:
        raise RuntimeError(f"login failed ({status}): {payload[:200]!r}")
    token = json.loads(payload)["user"]["token"]
    return Credentials(token=token, cookie=session_cookie(base, email))


def session_cookie(base: str, email: str) -> str:
    with urllib.request.urlopen(base + "/login", timeout=30) as response:  # noqa: S310  # nosec B310
        csrf_cookie = response.headers["Set-Cookie"].split(";", 1)[0]
        form_token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.read())
    assert form_token is not None
    form = urllib.parse.urlencode(
        {"email": email, "password": SEED_PASSWORD, "csrfmiddlewaretoken": form_token.group(1)}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback only
        base + "/login", data=form, method="POST", headers={"Cookie": csrf_cookie}
    )
    opener = urllib.request.build_opener(NoRedirect)
    with opener.open(request, timeout=30) as response:
        cookies = response.headers.get_all("Set-Cookie") or []
    session = next((c.split(";", 1)[0] for c in cookies if c.startswith("sessionid=")), None)
    if session is None:
        raise RuntimeError("the web sign-in set no session cookie")
    return session


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keeps the 302 of the sign-in form, whose Set-Cookie carries the session."""

    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp


def worker_rss_mb(server: LiveServer) -> list[float]:
    """Resident memory of each gunicorn worker (children of the arbiter), in MiB."""
    sizes = []
    for pid in sorted(server.worker_pids()):
        status = Path(f"/proc/{pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        if match:
            sizes.append(int(match.group(1)) / 1024)
    return sizes


@contextmanager
def ceiling_server(captures: list[dict], workers: int) -> Iterator[LiveServer]:
    """The bare WSGI replay app under plain gunicorn: an empty config file (so not the project's
    gunicorn.conf.py, which gunicorn would otherwise read from the working directory), sync
    workers, no access log, nothing of the project's serving model."""
    with tempfile.TemporaryDirectory(prefix="bench-ceiling-") as workdir:
        captured = Path(workdir, "captures.json")
        captured.write_text(json.dumps(captures))
        empty_config = Path(workdir, "empty.conf.py")
        empty_config.write_text("")
        port = free_port()
        command = [
            *(sys.executable, "-m", "gunicorn", "--config", str(empty_config)),
            *("--workers", str(workers), "--bind", f"127.0.0.1:{port}"),
            *("--pythonpath", str(REPO_ROOT / "scripts" / "bench"), "ceiling:application"),
        ]
        process = subprocess.Popen(  # noqa: S603
            command,
            cwd=workdir,
            env={**os.environ, "BENCH_CEILING_FILE": str(captured)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        server = LiveServer(process=process, url=f"http://127.0.0.1:{port}")
        try:
            server.wait_ready()
            yield server
        finally:
            server.stop()


def bare_ceiling(
    ceilings: dict[int, LiveServer], endpoint: Endpoint, credentials: Credentials
) -> tuple[Result, int]:
    """The fastest of the bare servers on this endpoint, and its worker count."""
    runs = {count: wrk(server.url, endpoint, credentials) for count, server in ceilings.items()}
    best = max(runs, key=lambda count: runs[count].rps)
    return runs[best], best


# --- the hasher's raw rate ------------------------------------------------------------------


def _verify_for(seconds: float, encoded: str, queue: "multiprocessing.Queue[int]") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "realworld.settings")
    import django

    django.setup()
    from django.contrib.auth.hashers import check_password

    count, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        check_password(SEED_PASSWORD, encoded)
        count += 1
    queue.put(count)


def gunicorn_settings() -> dict:
    """gunicorn.conf.py's settings, read without keeping what it does to os.environ (it points
    PROMETHEUS_MULTIPROC_DIR at a directory only a starting master creates)."""
    saved = dict(os.environ)
    try:
        return runpy.run_path(str(REPO_ROOT / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def hasher_verify_rate(seconds: float, processes: int) -> float:
    """Verifications per second of the first PASSWORD_HASHERS entry, in parallel processes.

    As many processes as the server has workers: the login run has that much parallelism too
    (each Argon2 verify is itself multi-threaded, so fewer processes than cores can saturate).
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "realworld.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")  # settings only, for the hasher configuration
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password

    encoded = make_password(SEED_PASSWORD)
    queue: multiprocessing.Queue[int] = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(target=_verify_for, args=(seconds, encoded, queue))
        for _ in range(processes)
    ]
    for proc in procs:
        proc.start()
    total = sum(queue.get() for _ in procs)
    for proc in procs:
        proc.join()
    return total / seconds


# --- one scale --------------------------------------------------------------------------------


def endpoints(names: dict[str, str], *, writes: bool) -> list[Endpoint]:
    tag, author, slug = names["tag"], names["author"], names["slug"]
    # The floor: Django's WSGI handler and the first middlewares (request id, metrics), then the
    # health check answers; no database, no view. No read can beat its ratio.
    reads = [Endpoint(FLOOR, "/healthz", floor=True), Endpoint("GET /api/tags", "/api/tags")]
    for auth in (False, True):
        who = "auth" if auth else "anon"
        reads += [
            Endpoint(f"GET /api/articles ({who})", "/api/articles?limit=20", auth),
            Endpoint(f"GET /api/articles?tag= ({who})", f"/api/articles?tag={tag}&limit=20", auth),
            Endpoint(
                f"GET /api/articles?author= ({who})",
                f"/api/articles?author={author}&limit=20",
                auth,
            ),
            Endpoint(
                f"GET /api/articles?favorited= ({who})",
                "/api/articles?favorited=user1&limit=20",
                auth,
            ),
            Endpoint(f"GET /api/articles/:slug ({who})", f"/api/articles/{slug}", auth),
            Endpoint(
                f"GET /api/articles/:slug/comments ({who})", f"/api/articles/{slug}/comments", auth
            ),
            Endpoint(f"GET /api/profiles/:username ({who})", "/api/profiles/user2", auth),
        ]
    reads += [
        Endpoint("GET /api/articles/feed (auth)", "/api/articles/feed?limit=20", True),
        Endpoint("GET /api/user (auth)", "/api/user", True),
    ]
    # The web app's pages: the same selectors rendered as HTML (10 articles a page).
    for auth in (False, True):
        who = "auth" if auth else "anon"
        reads += [
            Endpoint(f"GET / (page, {who})", "/", auth, page=True),
            Endpoint(f"GET /article/:slug (page, {who})", f"/article/{slug}", auth, page=True),
            Endpoint(f"GET /profile/:username (page, {who})", "/profile/user2", auth, page=True),
        ]
    # Full-text search: the most used tag's name as a word (a third of the articles at 100k).
    # Then, with the read cache off, a random author's articles and profile page beside
    # searches for a rare word (an article's number: one match) and for that word with one the
    # seeded texts all share (every article holds every seed word, so the index walks 99% of
    # the articles to intersect them with the rare one).
    users, articles = int(names["users"]), int(names["articles"])
    reads += [
        Endpoint(SEARCH_API, f"/api/articles?search={tag}&limit=20"),
        Endpoint(UNCACHED_LIST, "/api/articles?author=user{n}&limit=20", uncached=users),
        Endpoint(UNCACHED_PAGE, "/profile/user{n}", page=True, uncached=users),
        Endpoint(RARE_SEARCH_API, "/api/articles?search={n}&limit=20", uncached=articles),
        Endpoint(COMMON_SEARCH_API, "/api/articles?search=django+{n}&limit=20", uncached=articles),
        Endpoint(RARE_SEARCH_PAGE, "/search?q={n}", page=True, uncached=articles),
        Endpoint(COMMON_SEARCH_PAGE, "/search?q=django+{n}", page=True, uncached=articles),
    ]
    if not writes:
        return reads
    article = {"title": "Benchmark", "description": "wrk", "body": "Bench " * 50, "tagList": ["b"]}
    login = {"user": {"email": "user3@seed.example", "password": SEED_PASSWORD}}
    return [
        *reads,
        Endpoint(
            "POST /api/articles (auth)",
            "/api/articles",
            True,
            "POST",
            json.dumps({"article": article}),
            201,
            False,
        ),
        Endpoint(LOGIN, "/api/users/login", False, "POST", json.dumps(login)),
    ]


def bench_scale(url: str, scale: str, workers_env: dict[str, str]) -> tuple[list[Row], list[float]]:
    names = sample_names(url)
    rows: list[Row] = []
    captures: list[dict] = []
    with gunicorn_server(url, env=workers_env) as server:
        credentials = sign_in(server.url, "user1@seed.example")
        todo = [
            e for e in endpoints(names, writes=scale == SCALES[0]) if e.name in ONLY or not ONLY
        ]
        for endpoint in todo:
            status, headers, body = http(server.url, endpoint, credentials)
            if status != endpoint.expect:
                raise RuntimeError(f"{endpoint.name}: {status} {body[:300]!r}")
            if endpoint.uncached:
                continue
            captures.append(
                {
                    "method": endpoint.method,
                    "path": endpoint.path,
                    "auth": endpoint.auth,
                    "status": f"{status} {'OK' if status == 200 else 'Created'}",
                    "headers": [h for h in headers if h[0].lower() not in HOP_HEADERS],
                    "body": base64.b64encode(body).decode(),
                }
            )
        # Each endpoint's API run and ceiling runs are back to back, so all see the same
        # machine (other work on the host shifts absolute figures, not the ratios).
        with contextlib.ExitStack() as stack:
            ceilings = {
                count: stack.enter_context(ceiling_server(captures, count))
                for count in CEILING_WORKERS
            }
            for endpoint in todo:
                if endpoint.uncached:
                    continue
                wrk(server.url, endpoint, credentials, duration=1)  # warm-up: caches, statements
                if endpoint.name == LOGIN:
                    # A few verifications per second: a longer run for a stable rate.
                    run = wrk(server.url, endpoint, credentials, max(DURATION, 20))
                    rows.append(Row(endpoint, run))
                else:
                    rows.append(Row(endpoint, wrk(server.url, endpoint, credentials)))
                    rows[-1].ceiling, rows[-1].ceiling_workers = bare_ceiling(
                        ceilings, endpoint, credentials
                    )
                print_row(scale, rows[-1])
        rss = worker_rss_mb(server)
    uncached = [endpoint for endpoint in todo if endpoint.uncached]
    if uncached:
        with gunicorn_server(url, env={**workers_env, "CONTENT_CACHE_MAX_BYTES": "0"}) as server:
            credentials = sign_in(server.url, "user1@seed.example")
            for endpoint in uncached:
                wrk(server.url, endpoint, credentials, duration=1)  # warm-up: statements
                rows.append(Row(endpoint, wrk(server.url, endpoint, credentials)))
                print_row(scale, rows[-1])
    return rows, rss


def print_row(scale: str, row: Row) -> None:
    ratio = f"ratio {row.ratio:.3f}" if row.ratio is not None else ""
    print(
        f"  {scale:>4} {row.endpoint.name:<42} {row.app.rps:7.0f} req/s "
        f"p50 {row.app.p50_ms:6.1f} p99 {row.app.p99_ms:6.1f} ms  {ratio}",
        flush=True,
    )


# --- report -------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


def growth_of(results: dict[str, list[Row]], scale: str, row: Row) -> float | None:
    """p99 at this scale over p99 at the first scale, for the same endpoint."""
    if scale == SCALES[0]:
        return None
    base = {r.endpoint.name: r for r in results.get(SCALES[0], [])}
    first = base.get(row.endpoint.name)
    return row.app.p99_ms / first.app.p99_ms if first else None


def target_summary(results: dict[str, list[Row]]) -> list[str]:
    """One line per target: how many rows meet it, at each scale, and the worst row."""
    kinds = {
        f"anonymous API reads >= {TARGET_ANON_API}": (False, False),
        f"signed-in API reads >= {TARGET_AUTH_API}": (False, True),
        f"anonymous pages >= {TARGET_ANON_PAGE}": (True, False),
        f"signed-in pages >= {TARGET_AUTH_PAGE}": (True, True),
    }
    lines = ["| target | " + " | ".join(results) + " |", "|---|" + "---|" * len(results)]
    for label, (page, auth) in kinds.items():
        cells = []
        for rows in results.values():
            picked = [
                r
                for r in rows
                if r.ratio is not None
                and r.target is not None
                and (r.endpoint.page, r.endpoint.auth) == (page, auth)
            ]
            if not picked:
                cells.append("-")
                continue
            met = sum(r.ratio >= r.target for r in picked)  # type: ignore[operator]
            worst = min(picked, key=lambda r: r.ratio or 0)
            cells.append(f"{met}/{len(picked)} met (lowest {worst.ratio:.2f})")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    tails = []
    for rows in results.values():
        reads = [r for r in rows if r.endpoint.read]
        met = sum(r.app.p99_ms <= TARGET_TAIL * r.app.p50_ms for r in reads)
        tails.append(f"{met}/{len(reads)} met")
    lines.append(f"| p99 <= {TARGET_TAIL:g} x p50 (reads) | " + " | ".join(tails) + " |")
    if len(results) > 1:
        growths = []
        for scale, rows in list(results.items())[1:]:
            values = [g for r in rows if r.endpoint.read and (g := growth_of(results, scale, r))]
            met = sum(g <= TARGET_GROWTH for g in values)
            growths.append(f"{met}/{len(values)} met")
        lines.append(f"| p99 growth <= {TARGET_GROWTH} | - | " + " | ".join(growths) + " |")
    return [*lines, ""]


def report(
    results: dict[str, list[Row]], rss: dict[str, list[float]], hasher_rate: float, elapsed: float
) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    workers = gunicorn_settings()
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    lines = [
        "# Benchmarks",
        "",
        "Made by `make bench` (scripts/bench/endpoints.py); figures are only comparable within "
        "one run.",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M UTC}; commit: `{commit}`",
        f"- machine: {os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}; "
        f"wrk shares the cores with gunicorn and PostgreSQL",
        f"- server: gunicorn.conf.py, {workers['workers']} `{workers['worker_class']}` workers "
        f"({workers['threads']} thread(s) each), as the image and Kubernetes run it; wrk "
        f"{THREADS} threads, {CONNECTIONS} connections, {DURATION} s per run, loopback",
        "- ceiling: the same response bytes from a bare WSGI app under plain gunicorn (no "
        f"config file, sync workers, {' and '.join(map(str, CEILING_WORKERS))} of them; the "
        "faster counts, its worker count in brackets); ratio = app req/s / ceiling req/s",
        f"- targets (issue #29): ratio >= {TARGET_ANON_API} for anonymous API reads, "
        f">= {TARGET_AUTH_API} signed in; >= {TARGET_ANON_PAGE} for anonymous pages, "
        f">= {TARGET_AUTH_PAGE} signed in; p99 <= {TARGET_TAIL:g} x p50; growth = p99 at "
        f"100k / p99 at 1k <= {TARGET_GROWTH}",
        f"- search (issue #31): p99 <= {TARGET_SEARCH_VS_LIST:g} x the p99 of a list read alike "
        "(both cached, or both with the read cache off), at 100k",
        f"- the whole run took {elapsed / 60:.1f} min",
        "",
    ]
    lines += target_summary(results)
    for scale, rows in results.items():
        floor = next((r for r in rows if r.endpoint.floor and r.ratio is not None), None)
        if floor:
            lines.append(
                f"- Django floor at {scale} (`/healthz`: the WSGI handler, two middlewares, no "
                f"database): {floor.app.rps:.0f} req/s, ratio {floor.ratio:.2f}; no read "
                "through Django's request cycle can do better on this machine."
            )
    lines.append("")
    for scale, rows in results.items():
        lines += [
            f"## {scale} articles",
            "",
            "| endpoint | req/s | p50 ms | p99 ms | errors | ceiling req/s | ratio | target "
            "| p99/p50 | ceiling p99/p50 | growth |",
            "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
        ]
        for row in rows:
            app = row.app
            ratio = f"{row.ratio:.3f}" if row.ratio is not None else "-"
            target = (
                f">= {row.target} {verdict(row.ratio >= row.target)}"
                if row.ratio is not None and row.target is not None
                else "-"
            )
            tail = app.p99_ms / app.p50_ms
            growth = growth_of(results, scale, row)
            ceiling = f"{row.ceiling.rps:.0f} ({row.ceiling_workers})" if row.ceiling else "-"
            # The bare app's own tail says what the server and this machine allow.
            ceiling_tail = f"{row.ceiling.p99_ms / row.ceiling.p50_ms:.1f}" if row.ceiling else "-"
            lines.append(
                f"| {row.endpoint.name} | {app.rps:.0f} | {app.p50_ms:.1f} | {app.p99_ms:.1f} "
                f"| {app.errors} | {ceiling} | {ratio} | {target} "
                f"| {tail:.1f} {verdict(tail <= TARGET_TAIL)} | {ceiling_tail} "
                f"| {f'{growth:.2f} {verdict(growth <= TARGET_GROWTH)}' if growth else '-'} |"
            )
        sizes = rss.get(scale, [])
        by_name = {row.endpoint.name: row for row in rows}
        if HOME in by_name and API_LIST in by_name:
            home_ratio = by_name[HOME].app.rps / by_name[API_LIST].app.rps
            lines += [
                "",
                f"Home page vs the API list: {by_name[HOME].app.rps:.0f} / "
                f"{by_name[API_LIST].app.rps:.0f} req/s = {home_ratio:.2f} "
                f"(target >= {TARGET_HOME_VS_LIST}: {verdict(home_ratio >= TARGET_HOME_VS_LIST)})",
            ]
        for search, listing in SEARCH_VS_LIST:
            if search in by_name and listing in by_name:
                vs_list = by_name[search].app.p99_ms / by_name[listing].app.p99_ms
                met = verdict(vs_list <= TARGET_SEARCH_VS_LIST)
                lines += [
                    "",
                    f"{search} vs {listing}, p99: {by_name[search].app.p99_ms:.1f} / "
                    f"{by_name[listing].app.p99_ms:.1f} ms = {vs_list:.2f} (target <= "
                    f"{TARGET_SEARCH_VS_LIST:g} at 100k: {met})",
                ]
        lines += [
            "",
            f"Worker RSS after the run: {', '.join(f'{s:.0f}' for s in sizes)} MiB "
            f"(total {sum(sizes):.0f} MiB)",
            "",
        ]
    login = next((r for r in results.get(SCALES[0], []) if r.endpoint.name == LOGIN), None)
    if login:
        login_ratio = login.app.rps / hasher_rate
        lines += [
            "## Login",
            "",
            f"Hasher raw verify rate ({workers['workers']} processes, as many as workers): "
            f"{hasher_rate:.1f}/s; "
            f"login {login.app.rps:.1f} req/s; ratio {login_ratio:.2f} "
            f"(target >= {TARGET_LOGIN}: {verdict(login_ratio >= TARGET_LOGIN)})",
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is required: apt-get install -y wrk")
    started = time.monotonic()
    base_url = os.environ["DATABASE_URL"]
    workers_env = {
        "WEB_CONCURRENCY": str(gunicorn_settings()["workers"]),
        # wrk logs in as one account from one address: measure the hasher, not the limits.
        **LIFTED_LIMITS,
    }
    processes = int(workers_env["WEB_CONCURRENCY"])
    print(f"Hasher verify rate ({processes} processes, 10 s)...", flush=True)
    hasher_rate = hasher_verify_rate(10.0, processes)
    results: dict[str, list[Row]] = {}
    rss: dict[str, list[float]] = {}
    for scale in SCALES:
        print(f"Seeding {scale} articles...", flush=True)
        url = seeded_database(base_url, scale)
        print(f"Benchmarking at {scale} articles ({DURATION} s per run)...", flush=True)
        results[scale], rss[scale] = bench_scale(url, scale, workers_env)
    text = report(results, rss, hasher_rate, time.monotonic() - started)
    print("\n" + text)
    # The hand-written analysis below the marker (targets met, gaps, what was tried) is kept.
    if ONLY:
        return
    previous = REPORT.read_text() if REPORT.exists() else ""
    if NOTES_MARKER in previous:
        text += "\n" + NOTES_MARKER + previous.split(NOTES_MARKER, 1)[1]
    REPORT.write_text(text)
    print(f"Wrote {REPORT.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
