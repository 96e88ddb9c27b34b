"""Make DATABASE_URL's user exist, log in and own the app's schema objects, using admin
credentials only when it cannot log in yet.

Why: on RDS the master password is rotated by AWS every 7 days. An app that connects as the
master user breaks weekly (running pods keep the old password; Flagger's primary keeps the old
Secret until the next promotion). So the app connects as its own role whose password never
rotates behind its back, and the master credentials are needed only here: at the first
deployment, or after the app's password was regenerated. Run as the first init container;
it is idempotent and does nothing (no admin login at all) while the app's credentials work.

    python manage.py ensure_database_user --admin-credentials /etc/db-admin

The directory holds the files `username` and `password` (a mounted Secret, so always the
current ones). The admin role must be able to create roles and own the objects it hands over
(the RDS master user can; it is made a member of the app role to transfer ownership).
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg import sql

# SQLSTATE classes that mean "these credentials do not get in", as opposed to "no database".
AUTHENTICATION_FAILED = {"28000", "28P01"}  # invalid_authorization_specification, invalid_password

# Objects in the schema that the app's migrations must be able to alter, by pg_class.relkind.
OWNED_RELATIONS = sql.SQL(
    "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = %s AND pg_get_userbyid(c.relowner) = current_user "
    "AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
    # Sequences owned by a table column move with their table.
    "AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid "
    "AND d.deptype IN ('a', 'i') AND d.classid = 'pg_class'::regclass))"
)
OWNED_FUNCTIONS = sql.SQL(
    "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname = %s AND pg_get_userbyid(p.proowner) = current_user"
)
ALTER_RELATION = {
    "r": "TABLE",
    "p": "TABLE",
    "v": "VIEW",
    "m": "MATERIALIZED VIEW",
    "S": "SEQUENCE",
    "f": "FOREIGN TABLE",
}


class Command(BaseCommand):
    help = (
        "Create or repair DATABASE_URL's role with admin credentials, only when it cannot log in."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--admin-credentials",
            required=True,
            type=Path,
            help="directory with the files `username` and `password` of a role that creates roles",
        )
        parser.add_argument("--schema", default="public")

    def handle(self, *args: Any, admin_credentials: Path, schema: str, **options: Any) -> None:
        database = settings.DATABASES["default"]
        app_user, app_password = database["USER"], database["PASSWORD"]
        if not app_user or not app_password:
            raise CommandError("DATABASE_URL must name the app's user and password")
        if self.logs_in(database, app_user, app_password):
            self.stdout.write(f"{app_user} logs in: nothing to do")
            return
        admin_user, admin_password = read_credentials(admin_credentials)
        if admin_user == app_user:
            raise CommandError("the admin and the app user must be different roles")
        try:
            with connect(database, admin_user, admin_password) as admin:
                created = provision(admin, app_user, app_password, database["NAME"], schema)
        except psycopg.OperationalError as error:
            raise CommandError(f"cannot connect as the admin user {admin_user}: {error}") from error
        if not self.logs_in(database, app_user, app_password):
            raise CommandError(f"{app_user} still cannot log in after provisioning")
        self.stdout.write(f"{app_user} {'created' if created else 'repaired'}; logs in")

    def logs_in(self, database: Mapping[str, Any], user: str, password: str) -> bool:
        try:
            with connect(database, user, password):
                return True
        except psycopg.OperationalError as error:
            if sqlstate(error) in AUTHENTICATION_FAILED:
                return False
            raise CommandError(f"cannot reach the database: {error}") from error


def read_credentials(directory: Path) -> tuple[str, str]:
    try:
        user = (directory / "username").read_text().strip()
        password = (directory / "password").read_text().strip()
    except OSError as error:
        raise CommandError(f"no admin credentials in {directory}: {error}") from error
    if not user or not password:
        raise CommandError(f"{directory}/username and password must not be empty")
    return user, password


def connect(database: Mapping[str, Any], user: str, password: str) -> psycopg.Connection:
    options = database.get("OPTIONS", {})
    return psycopg.connect(
        host=database["HOST"] or None,
        port=database["PORT"] or None,
        dbname=database["NAME"],
        user=user,
        password=password,
        connect_timeout=options.get("connect_timeout", 10),
        sslmode=options.get("sslmode", "prefer"),
        sslrootcert=options.get("sslrootcert"),
        autocommit=True,
    )


def sqlstate(error: psycopg.Error) -> str | None:
    if error.sqlstate:
        return error.sqlstate
    # libpq reports a failed password exchange before any SQLSTATE is known.
    text = str(error)
    if "password authentication failed" in text or ("role" in text and "does not exist" in text):
        return "28P01"
    return None


def provision(
    admin: psycopg.Connection, user: str, password: str, dbname: str, schema: str
) -> bool:
    """Create (or set the password of) the app role, let it use the database, and hand it the
    schema's objects the admin owns, in one transaction. Returns whether the role was new."""
    role = sql.Identifier(user)
    with admin.transaction(), admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [user])
        created = cur.fetchone() is None
        # Utility statements take no bind parameters: the password is quoted client-side.
        verb = "CREATE" if created else "ALTER"
        cur.execute(
            sql.SQL("{} ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}").format(
                sql.SQL(verb), role, sql.Literal(password)
            )
        )
        # Membership lets the admin give its objects to the role (ALTER ... OWNER TO).
        cur.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(role))
        cur.execute(
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                sql.Identifier(dbname), role
            )
        )
        cur.execute(
            sql.SQL("GRANT USAGE, CREATE ON SCHEMA {} TO {}").format(sql.Identifier(schema), role)
        )
        cur.execute(OWNED_RELATIONS, [schema])
        for name, kind in cur.fetchall():
            cur.execute(
                sql.SQL("ALTER {} {}.{} OWNER TO {}").format(
                    sql.SQL(ALTER_RELATION[kind]),
                    sql.Identifier(schema),
                    sql.Identifier(name),
                    role,
                )
            )
        cur.execute(OWNED_FUNCTIONS, [schema])
        for (signature,) in cur.fetchall():
            cur.execute(sql.SQL("ALTER FUNCTION {} OWNER TO {}").format(sql.SQL(signature), role))
    return created
