"""Alembic, driven from code: no alembic.ini to find, the same path for the CLI and the tests.

Every command checks that its database is migrated before it runs; that check reads the
revisions without importing Alembic (a tenth of a second that `baton kpi` would pay on every
run). Alembic itself is imported only to migrate.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"


def _config(engine: Engine) -> Config:
    from alembic.config import Config  # only migrating needs Alembic (see the module's doc)

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # configparser would read a "%" in the URL as interpolation; escape it.
    url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
    config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Apply every migration up to `revision` (default: all of them)."""
    from alembic import command  # only migrating needs Alembic (see the module's doc)

    config = _config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@cache
def head_revisions() -> frozenset[str]:
    """The revisions a fully migrated database is at: those no migration revises."""
    revised: set[str] = set()
    revisions: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        values = _assignments(path)
        if "revision" not in values:
            continue
        revisions.add(str(values["revision"]))
        down = values.get("down_revision")
        if isinstance(down, str):
            revised.add(down)
        elif isinstance(down, tuple | list):
            revised.update(str(one) for one in down)
    return frozenset(revisions - revised)


def _assignments(path: Path) -> dict[str, object]:
    """The module-level `name = literal` assignments of a migration file."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                try:
                    found[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    return found


def current_revisions(engine: Engine) -> set[str]:
    """The revisions the database is at; none for a database never migrated."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return set()
        return set(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


def is_up_to_date(engine: Engine) -> bool:
    """Whether the database holds every migration."""
    return current_revisions(engine) == head_revisions()
