"""Make the app's two database roles exist, log in and hold exactly their rights, using admin
credentials only when something is missing.

    python manage.py ensure_database_user --admin-credentials /etc/db-admin

- MIGRATION_DATABASE_URL's role (the owner, e.g. realworld_owner) owns the schema's objects and
  runs the migrations (the `migrate` init container connects as it);
- DATABASE_URL's role (the app, e.g. realworld_app) serves requests with data rights only:
  SELECT, INSERT, UPDATE, DELETE on the tables, the sequences' values, nothing that changes
  the schema. A bug or an injection in the app cannot drop or alter a table.

Why not the master user: on RDS AWS rotates it every 7 days. An app that connects as the master
breaks weekly (running pods keep the old password; Flagger's primary keeps the old Secret until
the next promotion). So the app and its migrations have their own roles, whose passwords never
rotate behind their backs, and the master credentials are needed only here: at the first
deployment, after a password was regenerated, or to move an older deployment (where the app
owned the tables) to the split. Run as the first init container; it does nothing, with no admin
login at all, while both roles log in and the app owns nothing.

The directory holds the files `username` and `password` (a mounted Secret, so always the
current ones). The admin role must be able to create roles and hand over objects (the RDS master
user can; it is made a member of both roles to do so). It connects with the TLS settings of
DATABASE_URL and, when that names none, insists on a verified server (sslmode=verify-full):
the admin password never goes over a connection the app itself would not use. Passwords reach
PostgreSQL as SCRAM verifiers computed here (libpq's PQencryptPasswordConn), never in clear: a
failed CREATE/ALTER ROLE is logged by the server with its text.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg import sql

from realworld.env import env_str

# SQLSTATE classes that mean "these credentials do not get in", as opposed to "no database".
AUTHENTICATION_FAILED = {"28000", "28P01"}  # invalid_authorization_specification, invalid_password

# Objects in the schema owned by a given role, by pg_class.relkind.
OWNED_RELATIONS = sql.SQL(
    "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = %s AND pg_get_userbyid(c.relowner) = %s "
    "AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
    # Sequences owned by a table column move with their table.
    "AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid "
    "AND d.deptype IN ('a', 'i') AND d.classid = 'pg_class'::regclass))"
)
OWNED_FUNCTIONS = sql.SQL(
    "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname = %s AND pg_get_userbyid(p.proowner) = %s"
)
ALTER_RELATION = {
    "r": "TABLE",
    "p": "TABLE",
    "v": "VIEW",
    "m": "MATERIALIZED VIEW",
    "S": "SEQUENCE",
    "f": "FOREIGN TABLE",
}
# What the app may do with the owner's tables and sequences, now and for every later migration.
APP_TABLE_RIGHTS = sql.SQL("SELECT, INSERT, UPDATE, DELETE")
APP_SEQUENCE_RIGHTS = sql.SQL("USAGE, SELECT, UPDATE")


class Command(BaseCommand):
    help = "Create or repair the owner and app roles with admin credentials, only when needed."

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
        owner_url = env_str("MIGRATION_DATABASE_URL")
        if not owner_url:
            raise CommandError("MIGRATION_DATABASE_URL must name the owner's user and password")
        owner = dj_database_url.parse(owner_url)
        owner_user, owner_password = owner["USER"], owner["PASSWORD"]
        if not owner_user or not owner_password or owner_user == app_user:
            raise CommandError("MIGRATION_DATABASE_URL must name a user other than the app's")
        if self.in_order(database, app_user, app_password, owner_user, owner_password, schema):
            self.stdout.write(
                f"{owner_user} and {app_user} log in with their rights: nothing to do"
            )
            return
        admin_user, admin_password = read_credentials(admin_credentials)
        if admin_user in (app_user, owner_user):
            raise CommandError("the admin, the owner and the app must be different roles")
        try:
            with connect(database, admin_user, admin_password) as admin:
                created = provision(
                    admin,
                    owner=(owner_user, owner_password),
                    app=(app_user, app_password),
                    dbname=database["NAME"],
                    schema=schema,
                )
        except psycopg.OperationalError as error:
            raise CommandError(f"cannot connect as the admin user {admin_user}: {error}") from error
        if not self.in_order(database, app_user, app_password, owner_user, owner_password, schema):
            raise CommandError(
                f"{owner_user} or {app_user} is still not in order after provisioning"
            )
        self.stdout.write(
            f"{owner_user} and {app_user} {'created' if created else 'repaired'}; both log in"
        )

    def in_order(
        self,
        database: Mapping[str, Any],
        app_user: str,
        app_password: str,
        owner_user: str,
        owner_password: str,
        schema: str,
    ) -> bool:
        """Both log in, and the app can change nothing in the schema."""
        if not self.logs_in(database, app_user, app_password):
            return False
        try:
            with connect(database, owner_user, owner_password) as owner:
                app_owns = owner.execute(
                    "SELECT count(*) FROM pg_class c JOIN pg_namespace n "
                    "ON n.oid = c.relnamespace WHERE n.nspname = %s "
                    "AND pg_get_userbyid(c.relowner) = %s",
                    [schema, app_user],
                ).fetchone()
                app_creates = owner.execute(
                    "SELECT has_schema_privilege(%s, %s, 'CREATE')", [app_user, schema]
                ).fetchone()
        except psycopg.OperationalError as error:
            if sqlstate(error) in AUTHENTICATION_FAILED:
                return False
            raise CommandError(f"cannot reach the database: {error}") from error
        return bool(app_owns and app_owns[0] == 0 and app_creates and not app_creates[0])

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
    """The app's own TLS settings; a verified server when DATABASE_URL names none."""
    options = database.get("OPTIONS", {})
    return psycopg.connect(
        host=database["HOST"] or None,
        port=database["PORT"] or None,
        dbname=database["NAME"],
        user=user,
        password=password,
        connect_timeout=options.get("connect_timeout", 10),
        sslmode=options.get("sslmode", "verify-full"),
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


def scram_verifier(admin: psycopg.Connection, user: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of a password, computed by libpq on this side: what
    PostgreSQL stores, and all it ever receives."""
    verifier = admin.pgconn.encrypt_password(password.encode(), user.encode(), b"scram-sha-256")
    return verifier.decode()


def _login_role(cur: psycopg.Cursor, admin: psycopg.Connection, user: str, password: str) -> bool:
    """Create the role, or set its password; returns whether it was new."""
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [user])
    created = cur.fetchone() is None
    # Utility statements take no bind parameters: the verifier is quoted client-side.
    cur.execute(
        sql.SQL("{} ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}").format(
            sql.SQL("CREATE" if created else "ALTER"),
            sql.Identifier(user),
            sql.Literal(scram_verifier(admin, user, password)),
        )
    )
    # Membership lets the admin hand objects to (or take them from) the role.
    cur.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(user)))
    return created


def _hand_over(cur: psycopg.Cursor, schema: str, giver: str, owner: sql.Identifier) -> None:
    """Give `owner` the schema's relations and functions `giver` owns."""
    cur.execute(OWNED_RELATIONS, [schema, giver])
    for name, kind in cur.fetchall():
        cur.execute(
            sql.SQL("ALTER {} {}.{} OWNER TO {}").format(
                sql.SQL(ALTER_RELATION[kind]), sql.Identifier(schema), sql.Identifier(name), owner
            )
        )
    cur.execute(OWNED_FUNCTIONS, [schema, giver])
    for (signature,) in cur.fetchall():
        cur.execute(sql.SQL("ALTER FUNCTION {} OWNER TO {}").format(sql.SQL(signature), owner))


def provision(
    admin: psycopg.Connection,
    *,
    owner: tuple[str, str],
    app: tuple[str, str],
    dbname: str,
    schema: str,
) -> bool:
    """Both roles with their passwords; the owner owns the schema's objects (the admin's and,
    from an older deployment, the app's); the app gets data rights on them and on whatever the
    owner's later migrations create. One transaction. Returns whether either role was new."""
    owner_role, app_role = sql.Identifier(owner[0]), sql.Identifier(app[0])
    database, namespace = sql.Identifier(dbname), sql.Identifier(schema)
    with admin.transaction(), admin.cursor() as cur:
        created = _login_role(cur, admin, *owner)
        created = _login_role(cur, admin, *app) or created
        cur.execute(
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(database, owner_role)
        )
        cur.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, app_role))
        cur.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA {} TO {}").format(namespace, owner_role))
        cur.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(namespace, app_role))
        cur.execute(
            sql.SQL("REVOKE CREATE ON SCHEMA {} FROM {}, PUBLIC").format(namespace, app_role)
        )
        cur.execute("SELECT current_user")
        (admin_user,) = cur.fetchone() or ("",)
        _hand_over(cur, schema, admin_user, owner_role)
        _hand_over(cur, schema, app[0], owner_role)  # a deployment from before the split
        for kind, rights in (("TABLES", APP_TABLE_RIGHTS), ("SEQUENCES", APP_SEQUENCE_RIGHTS)):
            cur.execute(
                sql.SQL("GRANT {} ON ALL {} IN SCHEMA {} TO {}").format(
                    rights, sql.SQL(kind), namespace, app_role
                )
            )
            cur.execute(
                sql.SQL(
                    "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} GRANT {} ON {} TO {}"
                ).format(owner_role, namespace, rights, sql.SQL(kind), app_role)
            )
    return created
