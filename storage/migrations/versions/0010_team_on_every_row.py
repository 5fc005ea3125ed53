"""Every row names its workspace: team_id on every table that lacked it

A row that belongs to another row takes that row's workspace. Any other row without one takes
the workspace the deployment's rows already name (the most common, should several), else
BATON_TEAM_ID; a migration never calls Slack. With neither, rows stay filed under "".

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Tables that named their workspace already.
NAMED = (
    "slack_events",
    "escalations",
    "blockers",
    "messages",
    "usergroup_readings",
    "nps_rounds",
    "checkins",
    "checkin_prompts",
    "scorecard_snapshots",
)
# Tables that gain team_id, with the row each one's rows belong to, if any: (table, join).
GAINING: tuple[tuple[str, str | None], ...] = (
    (
        "message_mentions",
        "SELECT team_id FROM messages m WHERE m.channel_id = message_mentions.channel_id "
        "AND m.ts = message_mentions.message_ts",
    ),
    (
        "message_group_mentions",
        "SELECT team_id FROM messages m WHERE m.channel_id = message_group_mentions.channel_id "
        "AND m.ts = message_group_mentions.message_ts",
    ),
    ("blocker_waits", "SELECT team_id FROM blockers b WHERE b.id = blocker_waits.blocker_id"),
    ("nps_invitations", "SELECT team_id FROM nps_rounds r WHERE r.id = nps_invitations.round_id"),
    ("nps_answers", "SELECT team_id FROM nps_rounds r WHERE r.id = nps_answers.round_id"),
    ("side_members", None),
    ("digests", None),
    ("digest_parts", None),
    ("unsure_posts", None),
    ("alert_states", None),
    ("latency_weeks_kept", None),
    ("latency_weeks", None),
    ("kpi_baselines", None),
    ("job_claims", None),
    ("outbox", None),
)


def _deployment_team(connection: sa.Connection) -> str:
    """The workspace the deployment's rows name most often, else BATON_TEAM_ID, else ""."""
    counts: dict[str, int] = {}
    for table in NAMED:
        rows = connection.execute(
            sa.text(f"SELECT team_id, COUNT(*) FROM {table} WHERE team_id != '' GROUP BY team_id")
        )
        for team, count in rows:
            counts[team] = counts.get(team, 0) + count
    if counts:
        return max(sorted(counts), key=lambda team: counts[team])
    return os.environ.get("BATON_TEAM_ID", "").strip()


def upgrade() -> None:
    connection = op.get_bind()
    team = _deployment_team(connection)
    for table, _ in GAINING:
        # SQLite adds a NOT NULL column only with a default; PostgreSQL drops it below, so a
        # writer that forgets the workspace fails there rather than filing rows under "".
        op.add_column(
            table, sa.Column("team_id", sa.String(length=32), nullable=False, server_default="")
        )
    for table, owner in GAINING:
        if owner is not None:
            connection.execute(sa.text(f"UPDATE {table} SET team_id = COALESCE(({owner}), '')"))
    for table in (*NAMED, *(name for name, _ in GAINING)):
        connection.execute(
            sa.text(f"UPDATE {table} SET team_id = :team WHERE team_id = ''"),
            {"team": team},
        )
    if connection.dialect.name == "postgresql":
        for table, _ in GAINING:
            op.alter_column(table, "team_id", server_default=None)


def downgrade() -> None:
    for table, _ in reversed(GAINING):
        op.drop_column(table, "team_id")
