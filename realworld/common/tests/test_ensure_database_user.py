"""`manage.py ensure_database_user` against a PostgreSQL that checks passwords (SCRAM), as RDS
does: the owner role owns what the admin created and runs the migrations, the app role gets
data rights only (no DDL), passwords travel as SCRAM verifiers, and the admin credentials are
not even read while both roles are in order."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.support.databases import REPO_ROOT, create_database
from tests.support.private_postgres import PrivatePostgres

ADMIN_PASSWORD = "admin-secret-1"  # nosec B105  (a throwaway test server)
APP_PASSWORD = "app-secret-1"  # nosec B105
OWNER_PASSWORD = "owner-secret-1"  # nosec B105


@pytest.fixture(scope="module")
def server():
    postgres = PrivatePostgres(superuser_password=ADMIN_PASSWORD)
    postgres.start()
    create_database(postgres.url)
    yield postgres
    postgres.destroy()


@pytest.fixture
def admin_dir(tmp_path: Path) -> Path:
    (tmp_path / "username").write_text("postgres\n")
    (tmp_path / "password").write_text(ADMIN_PASSWORD + "\n")
    return tmp_path


def url(server: PrivatePostgres, user: str, password: str) -> str:
    # No TLS on the throwaway server: said explicitly (the command insists on verify-full
    # when DATABASE_URL names nothing).
    return f"postgres://{user}:{password}@127.0.0.1:{server.port}/realworld?sslmode=disable"


def app_url(server: PrivatePostgres, password: str = APP_PASSWORD, user: str = "realworld_app"):
    return url(server, user, password)


def owner_url(server, password: str = OWNER_PASSWORD, user: str = "realworld_owner"):
    return url(server, user, password)


def manage(
    *args: str, database_url: str, migration_url: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MIGRATION_DATABASE_URL": migration_url,
        "DJANGO_SETTINGS_MODULE": "realworld.settings",
        "DJANGO_DEBUG": "1",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def ensure(admin_dir: Path, app: str, owner: str) -> subprocess.CompletedProcess[str]:
    return manage("ensure_database_user", "--admin-credentials", str(admin_dir),
                  database_url=app, migration_url=owner)  # fmt: skip


def test_first_run_splits_owner_and_app_and_migrations_run_as_the_owner(server, admin_dir):
    # What the master user left behind: a table, its sequence, a trigger function.
    with psycopg.connect(server.url, autocommit=True) as admin:
        admin.execute("CREATE TABLE legacy (id bigserial PRIMARY KEY, note text)")
        admin.execute(
            "CREATE FUNCTION legacy_touch() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RETURN NEW; END $$"
        )
    result = ensure(admin_dir, app_url(server), owner_url(server))
    assert result.returncode == 0, result.stderr
    assert "realworld_owner and realworld_app created; both log in" in result.stdout
    with psycopg.connect(server.url) as admin:
        owners = dict(
            admin.execute(
                "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c "
                "WHERE c.relname IN ('legacy', 'legacy_id_seq')"
            ).fetchall()
        )
        function_owner = admin.execute(
            "SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'legacy_touch'"
        ).fetchone()[0]
        powers = admin.execute(
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles "
            "WHERE rolname IN ('realworld_app', 'realworld_owner') ORDER BY rolname"
        ).fetchall()
    assert owners == {"legacy": "realworld_owner", "legacy_id_seq": "realworld_owner"}
    assert function_owner == "realworld_owner"
    assert powers == [
        ("realworld_app", False, False, False),
        ("realworld_owner", False, False, False),
    ]
    # Migrations run as the owner: it creates, and alters what the admin created.
    migrated = manage("migrate", "--noinput", "-v0", database_url=owner_url(server))
    assert migrated.returncode == 0, migrated.stderr
    with psycopg.connect(owner_url(server), autocommit=True) as owner:
        owner.execute("ALTER TABLE legacy ADD COLUMN added_by_owner int")
        tables = owner.execute(
            "SELECT count(*) FROM pg_tables WHERE tableowner = 'realworld_owner'"
        ).fetchone()[0]
    assert tables > 5
    # The app reads and writes the migrated tables (default privileges), sequences included...
    with psycopg.connect(app_url(server), autocommit=True) as app:
        app.execute("INSERT INTO legacy (note) VALUES ('by the app')")
        app.execute("UPDATE legacy SET note = 'changed' WHERE note = 'by the app'")
        assert app.execute("SELECT count(*) FROM django_migrations").fetchone()[0] > 5
        app.execute("DELETE FROM legacy")
        # ...and changes nothing in the schema.
        for ddl in (
            "CREATE TABLE intruder (id int)",
            "ALTER TABLE legacy ADD COLUMN by_app int",
            "DROP TABLE legacy",
            "TRUNCATE legacy",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(ddl)


def test_the_passwords_reach_postgresql_as_scram_verifiers_only(server, admin_dir):
    """A failed CREATE/ALTER ROLE is logged with its text, and log_statement=all logs every
    one: the plain password must never be in it."""
    with psycopg.connect(server.url, autocommit=True) as admin:
        admin.execute("ALTER ROLE postgres SET log_statement = 'all'")
    try:
        result = ensure(
            admin_dir,
            app_url(server, user="logged_app", password="app-plain-SECRET-9"),
            owner_url(server, user="logged_owner", password="owner-plain-SECRET-9"),
        )
    finally:
        with psycopg.connect(server.url, autocommit=True) as admin:
            admin.execute("ALTER ROLE postgres RESET log_statement")
    assert result.returncode == 0, result.stderr
    log = (server.root / "log").read_text(errors="replace")
    assert 'ROLE "logged_app"' in log, "the statements were logged"
    assert "app-plain-SECRET-9" not in log
    assert "owner-plain-SECRET-9" not in log
    assert "SCRAM-SHA-256$" in log


def test_a_deployment_from_before_the_split_is_moved_to_it(server, admin_dir):
    """Before, the app role owned the tables and could change the schema."""
    with psycopg.connect(server.url, autocommit=True) as admin:
        admin.execute("CREATE ROLE old_app LOGIN PASSWORD 'old-app-secret'")
        admin.execute("GRANT CREATE, USAGE ON SCHEMA public TO old_app")
    with psycopg.connect(
        app_url(server, user="old_app", password="old-app-secret"), autocommit=True
    ) as app:
        app.execute("CREATE TABLE old_data (id bigserial PRIMARY KEY, note text)")
    result = ensure(
        admin_dir,
        app_url(server, user="old_app", password="old-app-secret"),
        owner_url(server, user="old_owner"),
    )
    assert result.returncode == 0, result.stderr
    with psycopg.connect(server.url) as admin:
        owner = admin.execute(
            "SELECT tableowner FROM pg_tables WHERE tablename = 'old_data'"
        ).fetchone()[0]
    assert owner == "old_owner"
    with psycopg.connect(
        app_url(server, user="old_app", password="old-app-secret"), autocommit=True
    ) as app:
        app.execute("INSERT INTO old_data (note) VALUES ('still writable')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("CREATE TABLE another (id int)")


def test_roles_in_order_need_no_admin_login(server, admin_dir, tmp_path):
    app, owner = app_url(server, user="steady_app"), owner_url(server, user="steady_owner")
    first = ensure(admin_dir, app, owner)
    assert first.returncode == 0, first.stderr
    nowhere = tmp_path / "missing"  # no admin credentials at all: they must not be read
    again = ensure(nowhere, app, owner)
    assert again.returncode == 0, again.stderr
    assert "steady_owner and steady_app log in with their rights: nothing to do" in again.stdout


def test_a_regenerated_app_password_is_set_again(server, admin_dir):
    old = app_url(server, user="rotated_app")
    owner = owner_url(server, user="rotated_owner")
    assert ensure(admin_dir, old, owner).returncode == 0
    new = app_url(server, user="rotated_app", password="app-secret-2")
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(new).close()
    result = ensure(admin_dir, new, owner)
    assert result.returncode == 0, result.stderr
    assert "rotated_owner and rotated_app repaired; both log in" in result.stdout
    psycopg.connect(new).close()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(old).close()  # the old password no longer works


def test_wrong_admin_credentials_fail_clearly(server, tmp_path):
    (tmp_path / "username").write_text("postgres")
    (tmp_path / "password").write_text("stale-rotated-password")
    result = ensure(
        tmp_path, app_url(server, user="other_app"), owner_url(server, user="other_owner")
    )
    assert result.returncode == 1
    assert "cannot connect as the admin user postgres" in result.stderr


def test_an_unreachable_database_is_not_mistaken_for_missing_credentials(admin_dir):
    from tests.support.servers import free_port

    port = free_port()
    app = f"postgres://realworld_app:{APP_PASSWORD}@127.0.0.1:{port}/realworld?sslmode=disable"
    owner = (
        f"postgres://realworld_owner:{OWNER_PASSWORD}@127.0.0.1:{port}/realworld?sslmode=disable"
    )
    result = ensure(admin_dir, app, owner)
    assert result.returncode == 1
    assert "cannot reach the database" in result.stderr


def test_without_tls_settings_the_admin_login_insists_on_a_verified_server(server, admin_dir):
    """DATABASE_URL without sslmode: the admin password is not sent to an unverified server."""
    app = f"postgres://tls_app:{APP_PASSWORD}@127.0.0.1:{server.port}/realworld"
    owner = f"postgres://tls_owner:{OWNER_PASSWORD}@127.0.0.1:{server.port}/realworld"
    result = ensure(admin_dir, app, owner)
    assert result.returncode == 1
    assert "cannot reach the database" in result.stderr or "admin user" in result.stderr
    with psycopg.connect(server.url) as admin:
        assert admin.execute("SELECT 1 FROM pg_roles WHERE rolname = 'tls_app'").fetchone() is None
