"""Kept weekly latency figures, so that old message timings can be deleted

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_messages_posted", "messages", ["posted_at"])
    op.create_table(
        "latency_weeks_kept",
        sa.Column("week_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("week_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kept_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unreadable", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("week_start"),
    )
    op.create_table(
        "latency_weeks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("author_side", sa.String(length=32), nullable=True),
        sa.Column("answer_side", sa.String(length=32), nullable=True),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("sla_ended", sa.Integer(), nullable=False),
        sa.Column("within_sla", sa.Integer(), nullable=False),
        sa.Column("unanswered", sa.Integer(), nullable=False),
        sa.Column("wall_seconds", sa.Text(), nullable=False),
        sa.Column("business_seconds", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["week_start"], ["latency_weeks_kept.week_start"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_latency_weeks_week", "latency_weeks", ["week_start", "channel_id"])


def downgrade() -> None:
    op.drop_table("latency_weeks")
    op.drop_table("latency_weeks_kept")
    op.drop_index("ix_messages_posted", table_name="messages")
