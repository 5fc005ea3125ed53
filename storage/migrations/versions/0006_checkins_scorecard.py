"""KPI check-ins and their DMs, scorecard snapshots; digests become periodic posts of a kind

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.statuses import PostKind, one_of

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

FIELDS = (
    "points_planned",
    "points_delivered",
    "milestones_due",
    "milestones_on_schedule",
    "kt_items_total",
    "kt_items_validated",
    "spend",
    "forecast",
    "budget_consumed_pct",
    "milestones_completed_pct",
    "tickets_resolved",
    "tickets_first_time_fixed",
    "headcount",
    "key_roles",
    "leavers",
    "key_role_leavers",
    "deployments",
    "failed_changes",
    "lead_time_hours",
    "restore_hours",
)


def upgrade() -> None:
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("sprint", sa.Integer(), nullable=False),
        sa.Column("sprint_start", sa.Date(), nullable=False),
        sa.Column("sprint_end", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Double(), nullable=True) for name in FIELDS),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "sprint", name="uq_checkins_team_sprint"),
    )
    op.create_table(
        "checkin_prompts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("sprint", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "sprint", "lead_id", name="uq_checkin_prompts_lead"),
    )
    op.create_table(
        "scorecard_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("readiness", sa.Double(), nullable=True),
        sa.Column("scorecard", sa.Text(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "kind", "taken_on", name="uq_scorecard_snapshots_day"),
        sa.CheckConstraint(one_of("kind", PostKind), name="ck_scorecard_snapshots_kind"),
    )
    # Room for the scorecard's rules, "scorecard_blocker_resolution_rate" and the like.
    with op.batch_alter_table("alert_states", schema=None) as batch_op:
        batch_op.alter_column(
            "rule", existing_type=sa.String(length=32), type_=sa.String(length=64)
        )
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind", sa.String(length=16), nullable=False, server_default=PostKind.DIGEST.value
            )
        )
        batch_op.drop_constraint("uq_digests_channel_week", type_="unique")
        batch_op.alter_column("week_start", new_column_name="period_start")
    # A second pass: SQLite's batch copy loses a constraint made in the pass that renames a
    # column it names.
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_digests_kind_channel", ["kind", "channel_id", "period_start"]
        )
        batch_op.create_check_constraint("ck_digests_kind", one_of("kind", PostKind))


def downgrade() -> None:
    op.execute("DELETE FROM alert_states WHERE rule LIKE 'scorecard_%'")
    with op.batch_alter_table("alert_states", schema=None) as batch_op:
        batch_op.alter_column(
            "rule", existing_type=sa.String(length=64), type_=sa.String(length=32)
        )
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.drop_constraint("ck_digests_kind", type_="check")
        batch_op.drop_constraint("uq_digests_kind_channel", type_="unique")
        batch_op.alter_column("period_start", new_column_name="week_start")
        batch_op.drop_column("kind")
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_digests_channel_week", ["channel_id", "week_start"])
    op.drop_table("scorecard_snapshots")
    op.drop_table("checkin_prompts")
    op.drop_table("checkins")
