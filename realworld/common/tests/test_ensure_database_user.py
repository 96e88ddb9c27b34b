"""`manage.py ensure_database_user` against a PostgreSQL that checks passwords (SCRAM), as RDS
does: the app gets its own role, owns what the admin created, migrates as itself, and the admin
credentials are not even read while the app's credentials work."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from realworld.testing.databases import REPO_ROOT, create_database
from realworld.testing.private_postgres import PrivatePostgres

ADMIN_PASSWORD = "admin-secret-1"  # nosec B105  (a throwaway test server)
APP_PASSWORD = "app-secret-1"  # nosec B105


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


def app_url(server: PrivatePostgres, password: str = APP_PASSWORD, user: str = "realworld_app"):
    return f"postgres://{user}:{password}@127.0.0.1:{server.port}/realworld"


def manage(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
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


def test_first_run_creates_the_role_hands_it_the_schema_and_migrations_run_as_it(server, admin_dir):
    # What the master user left behind: a table, its sequence, a trigger function.
    with psycopg.connect(server.url, autocommit=True) as admin:
        admin.execute("CREATE TABLE legacy (id bigserial PRIMARY KEY, note text)")
        admin.execute(
            "CREATE FUNCTION legacy_touch() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RETURN NEW; END $$"
        )
    result = manage("ensure_database_user", "--admin-credentials", str(admin_dir),
                    database_url=app_url(server))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "realworld_app created; logs in" in result.stdout
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
        superuser = admin.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles "
            "WHERE rolname = 'realworld_app'"
        ).fetchone()
    assert owners == {"legacy": "realworld_app", "legacy_id_seq": "realworld_app"}
    assert function_owner == "realworld_app"
    assert superuser == (False, False, False)
    # The app's migrations run as the app (they create, and alter what the admin created).
    migrated = manage("migrate", "--noinput", "-v0", database_url=app_url(server))
    assert migrated.returncode == 0, migrated.stderr
    with psycopg.connect(app_url(server), autocommit=True) as app:
        app.execute("ALTER TABLE legacy ADD COLUMN added_by_app int")
        tables = app.execute(
            "SELECT count(*) FROM pg_tables WHERE tableowner = 'realworld_app'"
        ).fetchone()[0]
    assert tables > 5


def test_working_credentials_need_no_admin_login(server, admin_dir, tmp_path):
    url = app_url(server, user="steady_app")
    first = manage("ensure_database_user", "--admin-credentials", str(admin_dir), database_url=url)
    assert first.returncode == 0, first.stderr
    nowhere = tmp_path / "missing"  # no admin credentials at all: they must not be read
    again = manage("ensure_database_user", "--admin-credentials", str(nowhere), database_url=url)
    assert again.returncode == 0, again.stderr
    assert "steady_app logs in: nothing to do" in again.stdout


def test_a_regenerated_app_password_is_set_again(server, admin_dir):
    old = app_url(server, user="rotated_app")
    assert manage("ensure_database_user", "--admin-credentials", str(admin_dir),
                  database_url=old).returncode == 0  # fmt: skip
    new = app_url(server, user="rotated_app", password="app-secret-2")
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(new).close()
    result = manage("ensure_database_user", "--admin-credentials", str(admin_dir), database_url=new)
    assert result.returncode == 0, result.stderr
    assert "rotated_app repaired; logs in" in result.stdout
    psycopg.connect(new).close()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(old).close()  # the old password no longer works


def test_wrong_admin_credentials_fail_clearly(server, tmp_path):
    (tmp_path / "username").write_text("postgres")
    (tmp_path / "password").write_text("stale-rotated-password")
    result = manage("ensure_database_user", "--admin-credentials", str(tmp_path),
                    database_url=app_url(server, user="other_app"))  # fmt: skip
    assert result.returncode == 1
    assert "cannot connect as the admin user postgres" in result.stderr


def test_an_unreachable_database_is_not_mistaken_for_missing_credentials(admin_dir):
    from realworld.testing.servers import free_port

    url = f"postgres://realworld_app:{APP_PASSWORD}@127.0.0.1:{free_port()}/realworld"
    result = manage("ensure_database_user", "--admin-credentials", str(admin_dir), database_url=url)
    assert result.returncode == 1
    assert "cannot reach the database" in result.stderr
