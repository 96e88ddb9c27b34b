"""Developer entry point behind the Makefile: `make run`, `make test`, `make migrate`, ...

Every command first makes sure a database exists: DATABASE_URL when it is set, otherwise the
embedded PostgreSQL under .data/pg (see tests/support/databases.py).
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import suites  # noqa: E402  (scripts/suites.py, beside this file)

from tests.support.databases import (  # noqa: E402
    database_name,
    database_url,
    drop_database,
    recreate_database,
    stop_embedded,
    with_database_name,
)
from tests.support.servers import gunicorn_server  # noqa: E402


def run(command: list[str], **kwargs) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True, cwd=REPO_ROOT, **kwargs)  # noqa: S603


def manage(*args: str, env: dict[str, str] | None = None) -> None:
    run([sys.executable, "manage.py", *args], env=env)


def local_environment(url: str) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=url)
    env.setdefault("DJANGO_DEBUG", "1")  # local development: permissive CORS, dev secret key
    return env


def cmd_run(args: argparse.Namespace) -> None:
    """gunicorn in the foreground; Ctrl-C or SIGTERM stops it and then the embedded database."""
    url = database_url()
    env = local_environment(url)
    manage("migrate", "--noinput", env=env)
    manage("collectstatic", "--noinput", "--verbosity=0", env=env)
    port = env.setdefault("PORT", "8000")
    env.setdefault("GUNICORN_BIND_HOST", "127.0.0.1")
    env.setdefault("METRICS_BIND_HOST", "127.0.0.1")  # curl 127.0.0.1:9100/metrics
    env.setdefault("WEB_CONCURRENCY", "2")
    env.setdefault("LOG_FORMAT", "text")  # people read these; production logs are JSON
    print(f"Serving Conduit on http://127.0.0.1:{port}/ and the API on /api (docs: /api/docs)")
    command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
    server = subprocess.Popen([*command, "realworld.wsgi:application"], cwd=REPO_ROOT, env=env)  # noqa: S603
    # Ctrl-C reaches gunicorn too (same process group); SIGTERM is passed on by hand. Either
    # way this process outlives gunicorn, and its exit stops the embedded PostgreSQL.
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    while True:
        try:
            sys.exit(server.wait())
        except KeyboardInterrupt:
            continue  # gunicorn got the same SIGINT and is shutting down: wait for it


def cmd_migrate(args: argparse.Namespace) -> None:
    manage("migrate", "--noinput", env=local_environment(database_url()))


def cmd_manage(args: argparse.Namespace) -> None:
    manage(*args.rest, env=local_environment(database_url()))


def cmd_exec(args: argparse.Namespace) -> None:
    """Runs any command with DATABASE_URL pointing at the development database, the static
    files collected first: the servers it starts (make bench, make reliability) refuse to start
    in production mode without their manifest (realworld/last_resort.py)."""
    rest = args.rest[1:] if args.rest[:1] == ["--"] else args.rest
    env = dict(os.environ, DATABASE_URL=database_url())
    manage(
        "collectstatic", "--noinput", "--verbosity=0", env=local_environment(env["DATABASE_URL"])
    )
    sys.exit(subprocess.run(rest, cwd=REPO_ROOT, env=env, check=False).returncode)  # noqa: S603


def cmd_makemigrations_check(args: argparse.Namespace) -> None:
    manage("makemigrations", "--check", "--dry-run", env=local_environment(database_url()))


def cmd_db_stop(args: argparse.Namespace) -> None:
    print("embedded PostgreSQL stopped" if stop_embedded() else "no embedded PostgreSQL running")


def run_official_suites(url: str, spec: Path) -> None:
    """The official Bruno and Postman suites, then the browser tests, against one gunicorn
    with production settings, on a database of their own."""
    suites_url = with_database_name(url, f"{database_name(url)}_suites")
    recreate_database(suites_url)
    try:
        manage(
            "migrate", "--noinput", env=dict(os.environ, DATABASE_URL=suites_url, DJANGO_DEBUG="1")
        )
        with gunicorn_server(suites_url) as server:
            suites.run_bruno(spec, server.url, REPO_ROOT / ".data" / "reports")
            suites.run_postman(spec, server.url)
            suites.run_browser_tests(server.url)
    finally:
        drop_database(suites_url)


SCREENSHOT_ARTICLE = {
    "title": "Welcome to Conduit",
    "description": "A server-rendered Django app and a REST API, over one domain layer",
    "body": (
        "Conduit is a place to **share your knowledge**. This page is rendered by Django "
        "from Markdown, on the server, and sanitized before it reaches you.\n\n"
        "## Two faces, one domain\n\n"
        "- the web app at `/`, plain HTML forms that work without JavaScript;\n"
        "- the RealWorld API at `/api`, for single-page and mobile clients.\n\n"
        "> Services write, selectors read; both faces call the same functions."
    ),
    "tagList": ["django", "realworld", "welcome"],
}


def cmd_screenshots(args: argparse.Namespace) -> None:
    """docs/screenshot-*.png (home, article, search, article in the dark theme), seeded."""
    url = with_database_name(database_url(), "realworld_screenshots")
    recreate_database(url)
    env = local_environment(url)
    try:
        manage("migrate", "--noinput", "--verbosity=0", env=env)
        manage("seed", "--users=12", "--articles=40", "--tags=12", env=env)
        manage("collectstatic", "--noinput", "--verbosity=0", env=env)
        with gunicorn_server(url) as server:
            login = json.dumps({"user": {"email": "user1@seed.example", "password": "password"}})
            token = _post_json(f"{server.url}/api/users/login", login)["user"]["token"]
            body = json.dumps({"article": SCREENSHOT_ARTICLE})
            slug = _post_json(f"{server.url}/api/articles", body, token)["article"]["slug"]
            screenshot_env = dict(
                os.environ,
                SCREENSHOT_BASE_URL=server.url,
                SCREENSHOT_ARTICLE=slug,
                CHROMIUM_PATH=suites.chromium_path(),
            )
            run(["node", "scripts/screenshots.mjs"], env=screenshot_env)
    finally:
        drop_database(url)


def _post_json(url: str, body: str, token: str = "") -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(url, data=body.encode(), headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  # nosec B310
        return json.loads(response.read())


def cmd_test(args: argparse.Namespace) -> None:
    suites.chromium_path()  # fail in the first second, not after the Python tests
    try:
        spec = suites.spec_dir()
    except suites.SuiteUnavailable as error:
        sys.exit(f"make test: {error}")
    url = database_url()
    env = dict(os.environ, DATABASE_URL=url, REALWORLD_SPEC_DIR=str(spec))
    manage("collectstatic", "--noinput", "--verbosity=0", env=local_environment(url))
    pytest_args = args.rest or ["-m", "not reliability"]
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "pytest", *pytest_args], cwd=REPO_ROOT, env=env, check=False
    )
    if result.returncode != 0:
        sys.exit(result.returncode)
    run_official_suites(url, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, handler in {
        "run": cmd_run,
        "migrate": cmd_migrate,
        "test": cmd_test,
        "manage": cmd_manage,
        "exec": cmd_exec,
        "makemigrations-check": cmd_makemigrations_check,
        "db-stop": cmd_db_stop,
        "screenshots": cmd_screenshots,
    }.items():
        sub = commands.add_parser(name)
        sub.add_argument("rest", nargs=argparse.REMAINDER)
        sub.set_defaults(handler=handler)
    args = parser.parse_args()
    args.handler(args)


if __name__ == "__main__":
    main()
