"""PostgreSQL for development and tests: DATABASE_URL when set, else an embedded server.

The embedded server is a real PostgreSQL shipped in a wheel (pgserver), kept under
`.data/pg` and reached through a Unix socket: no root, Docker or system service needed.
"""

import os
import signal
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import dj_database_url
import psycopg
from psycopg import sql

REPO_ROOT = Path(__file__).resolve().parents[2]
EMBEDDED_DATA_DIR = REPO_ROOT / ".data" / "pg"
DEFAULT_DB_NAME = "realworld"


def _runtime_dir() -> None:
    # pgserver keeps its lock under the user's runtime directory; a shell without a login
    # session (CI, `sudo`, containers) has none, and platformdirs warns about it.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = EMBEDDED_DATA_DIR.parent / "run"
        runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def embedded_database_url(name: str = DEFAULT_DB_NAME) -> str:
    """Starts the embedded server (or joins the one running) for as long as this process lives.

    pgserver counts the processes using the data folder and stops the server when the last
    one exits, so neither `make run` nor `make test` leaves a postmaster behind.
    """
    EMBEDDED_DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    _runtime_dir()
    import pgserver  # only in requirements/local.txt and dev.txt, never in the image

    pgserver.get_server(EMBEDDED_DATA_DIR, cleanup_mode="stop")
    return f"postgres://postgres@{quote(str(EMBEDDED_DATA_DIR), safe='')}/{name}"


def stop_embedded() -> bool:
    """Stops an embedded server left running (say, by a killed `make run`); False if none ran."""
    pid_file = EMBEDDED_DATA_DIR / "postmaster.pid"
    if not pid_file.is_file():
        return False
    pid = int(pid_file.read_text().split()[0])
    try:
        os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown: ends sessions, then stops
    except ProcessLookupError:
        pid_file.unlink(missing_ok=True)
        return False
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    (EMBEDDED_DATA_DIR / ".handle_pids.json").unlink(missing_ok=True)
    return True


def database_url() -> str:
    """DATABASE_URL from the environment, or the embedded server's; the database exists after."""
    url = os.environ.get("DATABASE_URL") or embedded_database_url()
    create_database(url)
    return url


def with_database_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _admin_connection(url: str) -> psycopg.Connection:
    """A connection to the server's `postgres` database, to create or drop others."""
    config = dj_database_url.parse(url)
    params = {
        "host": config.get("HOST"),
        "port": config.get("PORT"),
        "user": config.get("USER"),
        "password": config.get("PASSWORD"),
        **config.get("OPTIONS", {}),
    }
    return psycopg.connect(
        dbname="postgres", autocommit=True, **{k: v for k, v in params.items() if v}
    )


def create_database(url: str) -> None:
    name = database_name(url)
    with _admin_connection(url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    name = database_name(url)
    with _admin_connection(url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def recreate_database(url: str) -> None:
    drop_database(url)
    create_database(url)


def url_from_settings(settings_dict: dict) -> str:
    """A DATABASE_URL for a Django connection's settings (e.g. the test database)."""
    host = settings_dict.get("HOST") or "localhost"
    netloc_host = quote(host, safe="") if host.startswith("/") else host
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    user = quote(settings_dict.get("USER") or "")
    password = (
        f":{quote(settings_dict['PASSWORD'], safe='')}" if settings_dict.get("PASSWORD") else ""
    )
    credentials = f"{user}{password}@" if user else ""
    return f"postgres://{credentials}{netloc_host}{port}/{settings_dict['NAME']}"
