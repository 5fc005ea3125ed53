"""User groups' members as read over time, and the groups each message mentions

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# As the migration was written: a later change to the enum does not change this step.
STATES = ("expanded", "pending", "unreadable")


def upgrade() -> None:
    op.create_table(
        "usergroup_readings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("readable", sa.Boolean(), nullable=False),
        sa.Column("members", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_usergroup_readings_group", "usergroup_readings", ["group_id", "read_at"])
    listed = ", ".join(f"'{state}'" for state in STATES)
    op.create_table(
        "message_group_mentions",
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.CheckConstraint(f"state IN ({listed})", name="ck_message_group_mentions_state"),
        sa.PrimaryKeyConstraint("channel_id", "message_ts", "group_id"),
    )
    op.create_index(
        "ix_message_group_mentions_state", "message_group_mentions", ["state", "posted_at"]
    )


def downgrade() -> None:
    op.drop_table("message_group_mentions")
    op.drop_table("usergroup_readings")
