"""Developer entry point behind the Makefile: `make run`, `make test`, `make migrate`, ...

Every command first makes sure a database exists: DATABASE_URL when it is set, otherwise the
embedded PostgreSQL under .data/pg (see realworld/testing/databases.py).
"""

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from realworld.testing.databases import (  # noqa: E402
    database_name,
    database_url,
    drop_database,
    recreate_database,
    with_database_name,
)
from realworld.testing.servers import gunicorn_server  # noqa: E402

NEWMAN = "newman@6.2.2"
# The official suite, at the commit the project was checked against (used when
# REALWORLD_SPEC_DIR does not point at a local copy).
POSTMAN_COLLECTION_URL = (
    "https://raw.githubusercontent.com/gothinkster/realworld/"
    "747190ecf0bb27d461cf1100f6cb3468c6c914ed/api/Conduit.postman_collection.json"
)


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
    url = database_url()
    env = local_environment(url)
    manage("migrate", "--noinput", env=env)
    port = env.setdefault("PORT", "8000")
    env.setdefault("GUNICORN_BIND_HOST", "127.0.0.1")
    env.setdefault("WEB_CONCURRENCY", "2")
    print(f"Serving the RealWorld API on http://127.0.0.1:{port}/api (docs: /api/docs)")
    os.chdir(REPO_ROOT)
    command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
    os.execve(sys.executable, [*command, "realworld.wsgi:application"], env)  # noqa: S606


def cmd_migrate(args: argparse.Namespace) -> None:
    manage("migrate", "--noinput", env=local_environment(database_url()))


def cmd_manage(args: argparse.Namespace) -> None:
    manage(*args.rest, env=local_environment(database_url()))


def cmd_exec(args: argparse.Namespace) -> None:
    """Runs any command with DATABASE_URL pointing at the development database."""
    rest = args.rest[1:] if args.rest[:1] == ["--"] else args.rest
    env = dict(os.environ, DATABASE_URL=database_url())
    sys.exit(subprocess.run(rest, cwd=REPO_ROOT, env=env, check=False).returncode)  # noqa: S603


def cmd_makemigrations_check(args: argparse.Namespace) -> None:
    manage("makemigrations", "--check", "--dry-run", env=local_environment(database_url()))


def postman_collection() -> Path:
    spec_dir = os.environ.get("REALWORLD_SPEC_DIR")
    if spec_dir and (Path(spec_dir) / "Conduit.postman_collection.json").is_file():
        return Path(spec_dir) / "Conduit.postman_collection.json"
    cached = REPO_ROOT / ".data" / "Conduit.postman_collection.json"
    if not cached.is_file():
        print(f"Downloading the Postman collection from {POSTMAN_COLLECTION_URL}")
        cached.parent.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(POSTMAN_COLLECTION_URL, timeout=30) as response:  # nosec B310
            cached.write_bytes(response.read())
    return cached


def run_postman(url: str) -> None:
    """The official Postman suite with newman, against gunicorn on a fresh database."""
    if shutil.which("npx") is None:
        sys.exit("npx (Node.js) is required to run the Postman suite with newman")
    collection = postman_collection()
    e2e_url = with_database_name(url, f"{database_name(url)}_postman")
    recreate_database(e2e_url)
    try:
        manage("migrate", "--noinput", env=dict(os.environ, DATABASE_URL=e2e_url, DJANGO_DEBUG="1"))
        with gunicorn_server(e2e_url) as server:
            stamp = f"{int(time.time())}{secrets.randbelow(1000)}"
            run(
                [
                    "npx",
                    "--yes",
                    NEWMAN,
                    "run",
                    str(collection),
                    "--bail",
                    "--global-var",
                    f"APIURL={server.url}/api",
                    "--global-var",
                    f"USERNAME=u{stamp}",
                    "--global-var",
                    f"EMAIL=u{stamp}@mail.com",
                    "--global-var",
                    "PASSWORD=password",
                ]
            )
    finally:
        drop_database(e2e_url)


def cmd_test(args: argparse.Namespace) -> None:
    url = database_url()
    env = dict(os.environ, DATABASE_URL=url)
    pytest_args = args.rest or ["-m", "not reliability"]
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "pytest", *pytest_args], cwd=REPO_ROOT, env=env, check=False
    )
    if result.returncode != 0:
        sys.exit(result.returncode)
    run_postman(url)


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
    }.items():
        sub = commands.add_parser(name)
        sub.add_argument("rest", nargs=argparse.REMAINDER)
        sub.set_defaults(handler=handler)
    args = parser.parse_args()
    args.handler(args)


if __name__ == "__main__":
    main()
