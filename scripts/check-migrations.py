"""Migration safety: new migrations must keep the previous release working on the same database.

During a canary (and during any rolling update) the old and the new code run side by side on
one database, and the migration runs before the new code takes traffic. So a migration may
add things but must not take away or tighten what the running release still uses. This check
applies every migration of the project, in order, to a scratch database, captures the SQL of
the migrations under review just before applying each one (so the SQL is exactly what
PostgreSQL will run), and looks for operations the previous release cannot live with:

  error    DROP TABLE / DROP COLUMN / RENAME (table or column) of something that already exists
  error    SET NOT NULL on an existing column
  error    ADD COLUMN ... NOT NULL without a database default (or whose default is dropped
           right after, which is what Django does for `default=`; use `db_default=` instead)
  error    editing a migration that already exists on the base branch
  warning  ALTER COLUMN ... TYPE, ADD CONSTRAINT, CREATE INDEX without CONCURRENTLY on an
           existing table, RunPython/RunSQL (reviewed by a human, they do not fail the check)

Tables created by the migrations under review are new: anything goes for them.

Do a breaking change in two releases (expand, then contract): first stop using the column,
release; then drop it. A migration that is knowingly breaking can carry the line
`# migration-safety: ignore <reason>`; its findings are then printed but do not fail.

Usage:
  python scripts/check-migrations.py --base <git ref>   # migrations added since <ref> (CI)
  python scripts/check-migrations.py --all              # every migration of the project

DATABASE_URL names the PostgreSQL server to use (a scratch database `<name>_migration_check`
is created and dropped); without it the embedded development server is used.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

IGNORE_MARKER = "# migration-safety: ignore"
MIGRATION_PATH = re.compile(r"^realworld/(?:[\w/]+/)?migrations/(\d{4}\w*)\.py$")
IDENT = r'"?([\w$]+)"?'

ERROR_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"\bDROP TABLE (?:IF EXISTS )?{IDENT}", re.I), "drops table {0}"),
    (
        re.compile(rf"\bALTER TABLE {IDENT} DROP COLUMN (?:IF EXISTS )?{IDENT}", re.I),
        "drops column {0}.{1}",
    ),
    (
        re.compile(rf"\bALTER TABLE {IDENT} RENAME COLUMN {IDENT} TO {IDENT}", re.I),
        "renames column {0}.{1} to {2}",
    ),
    (re.compile(rf"\bALTER TABLE {IDENT} RENAME TO {IDENT}", re.I), "renames table {0} to {1}"),
    (
        re.compile(rf"\bALTER TABLE {IDENT} ALTER COLUMN {IDENT} SET NOT NULL", re.I),
        "makes column {0}.{1} NOT NULL",
    ),
]
WARNING_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(rf"\bALTER TABLE {IDENT} ALTER COLUMN {IDENT} TYPE", re.I),
        "changes the type of {0}.{1} (may rewrite and lock the table)",
    ),
    (re.compile(rf"\bALTER TABLE {IDENT} ADD CONSTRAINT", re.I), "adds a constraint to {0}"),
    (
        re.compile(rf"\bCREATE (?:UNIQUE )?INDEX (?!CONCURRENTLY)\S+ ON {IDENT}", re.I),
        "creates an index on {0} without CONCURRENTLY (locks writes)",
    ),
]
CREATE_TABLE = re.compile(rf"\bCREATE TABLE (?:IF NOT EXISTS )?{IDENT}", re.I)
ADD_COLUMN = re.compile(rf"\bALTER TABLE {IDENT} ADD COLUMN {IDENT} (.*)", re.I | re.S)
DROP_DEFAULT = re.compile(rf"\bALTER TABLE {IDENT} ALTER COLUMN {IDENT} DROP DEFAULT", re.I)


@dataclass
class Report:
    key: tuple[str, str]
    path: Path
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ignored(self) -> bool:
        return IGNORE_MARKER in self.path.read_text(encoding="utf-8")


def git(*args: str) -> str:
    result = subprocess.run(  # noqa: S603
        ["git", *args],  # noqa: S607
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def changed_migrations(base: str) -> tuple[set[Path], set[Path]]:
    """Migration files added and modified between the merge base with `base` and the work tree."""
    merge_base = git("merge-base", base, "HEAD").strip()
    added: set[Path] = set()
    modified: set[Path] = set()
    for line in git("diff", "--name-status", "--no-renames", merge_base, "--").splitlines():
        status, _, name = line.partition("\t")
        if not MIGRATION_PATH.match(name):
            continue
        if status.startswith("A"):
            added.add(REPO_ROOT / name)
        elif status.startswith("M"):
            modified.add(REPO_ROOT / name)
    for name in git("ls-files", "--others", "--exclude-standard", "realworld").splitlines():
        if MIGRATION_PATH.match(name):
            added.add(REPO_ROOT / name)
    return added, modified


def statements(sql_lines: list[str]) -> list[str]:
    """Django's collected SQL, one statement per item, without the `--` comments."""
    text = "\n".join(line for line in sql_lines if not line.lstrip().startswith("--"))
    return [s.strip() for s in text.split(";") if s.strip()]


def analyse(report: Report, sql_lines: list[str], new_tables: set[str]) -> None:
    for line in sql_lines:
        comment = line.strip()
        if comment.startswith("--") and (
            "Raw Python operation" in comment or "Raw SQL operation" in comment
        ):
            report.warnings.append(f"{comment.lstrip('- ')} (review by hand)")
    stmts = statements(sql_lines)
    for stmt in stmts:
        created = CREATE_TABLE.search(stmt)
        if created:
            new_tables.add(created.group(1))
    dropped_defaults = {
        (m.group(1), m.group(2)) for s in stmts if (m := DROP_DEFAULT.search(s)) is not None
    }
    for stmt in stmts:
        flat = " ".join(stmt.split())
        for pattern, message in ERROR_PATTERNS:
            match = pattern.search(flat)
            if match and match.group(1) not in new_tables:
                report.errors.append(message.format(*match.groups()))
        for pattern, message in WARNING_PATTERNS:
            match = pattern.search(flat)
            if match and match.group(1) not in new_tables:
                report.warnings.append(message.format(*match.groups()))
        added = ADD_COLUMN.search(flat)
        if added and added.group(1) not in new_tables:
            table, column, definition = added.groups()
            if re.search(r"\bNOT NULL\b", definition, re.I):
                has_default = re.search(r"\bDEFAULT\b", definition, re.I)
                if not has_default or (table, column) in dropped_defaults:
                    report.errors.append(
                        f"adds NOT NULL column {table}.{column} without a database default "
                        "(the previous release inserts rows without it: use db_default= or "
                        "null=True)"
                    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    scope = parser.add_mutually_exclusive_group(required=True)
    scope.add_argument("--base", help="git ref of the base branch (e.g. origin/main)")
    scope.add_argument("--all", action="store_true", help="check every migration")
    args = parser.parse_args()

    from tests.support.databases import (
        database_name,
        database_url,
        drop_database,
        recreate_database,
        with_database_name,
    )

    modified: set[Path] = set()
    if args.base:
        added, modified = changed_migrations(args.base)
        print(f"Base {args.base}: {len(added)} new and {len(modified)} edited migration file(s)")
    server_url = database_url()
    scratch_url = with_database_name(server_url, f"{database_name(server_url)}_migration_check")
    recreate_database(scratch_url)
    os.environ["DATABASE_URL"] = scratch_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "realworld.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")

    import django
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    django.setup()
    reports: list[Report] = []
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=True)
        new_tables: set[str] = set()
        for migration, _backwards in plan:
            module = sys.modules[type(migration).__module__]
            path = Path(module.__file__ or "").resolve()
            in_project = path.is_relative_to(REPO_ROOT / "realworld")
            if in_project and (args.all or (args.base and path in added)):
                report = Report((migration.app_label, migration.name), path)
                sql_lines = executor.loader.collect_sql([(migration, False)])  # type: ignore[attr-defined]
                analyse(report, sql_lines, new_tables)
                reports.append(report)
            call_command("migrate", migration.app_label, migration.name, verbosity=0)
            executor = MigrationExecutor(connection)
    finally:
        connection.close()
        drop_database(scratch_url)

    failed = 0
    for path in sorted(modified):
        print(f"FAIL {path.relative_to(REPO_ROOT)}: edits a migration that already exists")
        failed += 1
    for report in reports:
        name = f"{report.key[0]}.{report.key[1]}"
        for warning in report.warnings:
            print(f"  warning {name}: {warning}")
        if report.errors and report.ignored:
            for error in report.errors:
                print(f"  accepted {name}: {error} ({IGNORE_MARKER})")
            print(f"PASS {name} (breaking changes accepted by its ignore marker)")
        elif report.errors:
            for error in report.errors:
                print(f"  error {name}: {error}")
            print(f"FAIL {name}")
            failed += 1
        else:
            print(f"PASS {name}")
    print(f"Migration safety: {len(reports)} checked, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
