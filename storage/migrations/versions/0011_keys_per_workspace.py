"""Keys per workspace: two workspaces' claims, digests, alert states, baselines, sides, kept
weeks, unsure posts and waiting tasks never collide

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# (table, primary key before); each one gains team_id in front.
PRIMARY_KEYS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("alert_states", ("rule", "subject")),
    ("kpi_baselines", ("family", "scope", "first_week", "weeks")),
    ("side_members", ("side", "user_id")),
    ("unsure_posts", ("ref", "channel_id")),
    ("latency_weeks_kept", ("week_start",)),
)
# (table, unique constraint, its columns before); each one gains team_id in front.
UNIQUE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("job_claims", "uq_job_claims_work", ("job", "subject", "period")),
    ("digests", "uq_digests_kind_channel", ("kind", "channel_id", "period_start")),
)
_WAITING = "done_at IS NULL AND key IS NOT NULL"
# SQLite names no foreign key: the batch copy names the one it drops by this convention.
_NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
_OLD_FK = "fk_latency_weeks_week_start_latency_weeks_kept"


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _set_primary_key(table: str, columns: tuple[str, ...], name: str) -> None:
    if _postgres():
        existing = sa.inspect(op.get_bind()).get_pk_constraint(table)["name"]
        op.drop_constraint(str(existing), table, type_="primary")
        op.create_primary_key(name, table, list(columns))
        return
    # SQLite copies the table with the new key; SQLAlchemy warns that the copy's columns said
    # otherwise, which is the point.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.create_primary_key(name, list(columns))


def _unlink_kept_weeks(name: str) -> None:
    """Drop latency_weeks' link to its kept week: SQLite, whose foreign keys cascade, would
    empty latency_weeks when it copies latency_weeks_kept."""
    if _postgres():
        for key in sa.inspect(op.get_bind()).get_foreign_keys("latency_weeks"):
            if key["referred_table"] == "latency_weeks_kept":
                op.drop_constraint(str(key["name"]), "latency_weeks", type_="foreignkey")
        return
    with op.batch_alter_table("latency_weeks", naming_convention=_NAMING) as batch:
        batch.drop_constraint(name, type_="foreignkey")


def _link_kept_weeks(columns: list[str], name: str) -> None:
    with op.batch_alter_table("latency_weeks", naming_convention=_NAMING) as batch:
        batch.create_foreign_key(name, "latency_weeks_kept", columns, columns, ondelete="CASCADE")


def _set_unique(table: str, name: str, columns: list[str]) -> None:
    """Make `name` unique over `columns`. SQLite copies the table, and its foreign keys would
    empty digest_parts as the old digests go: the parts are kept aside and put back."""
    keep_parts = table == "digests" and not _postgres()
    if keep_parts:
        op.execute("CREATE TEMPORARY TABLE kept_digest_parts AS SELECT * FROM digest_parts")
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(name, type_="unique")
        batch.create_unique_constraint(name, columns)
    if keep_parts:
        op.execute("DELETE FROM digest_parts")
        op.execute("INSERT INTO digest_parts SELECT * FROM kept_digest_parts")
        op.execute("DROP TABLE kept_digest_parts")


def _waiting_key(*columns: str) -> None:
    with op.batch_alter_table("outbox", schema=None) as batch:
        batch.drop_index("ix_outbox_waiting_key")
        batch.create_index(
            "ix_outbox_waiting_key",
            list(columns),
            unique=True,
            sqlite_where=sa.text(_WAITING),
            postgresql_where=sa.text(_WAITING),
        )


def upgrade() -> None:
    _unlink_kept_weeks(_OLD_FK)
    for table, columns in PRIMARY_KEYS:
        _set_primary_key(table, ("team_id", *columns), f"pk_{table}")
    _link_kept_weeks(["team_id", "week_start"], "fk_latency_weeks_kept")
    for table, name, columns in UNIQUE:
        _set_unique(table, name, ["team_id", *columns])
    _waiting_key("team_id", "key")


def downgrade() -> None:
    _waiting_key("key")
    for table, name, columns in UNIQUE:
        _set_unique(table, name, list(columns))
    _unlink_kept_weeks("fk_latency_weeks_kept")
    for table, columns in PRIMARY_KEYS:
        _set_primary_key(table, columns, f"pk_{table}")
    _link_kept_weeks(["week_start"], _OLD_FK)
