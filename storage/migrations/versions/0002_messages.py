"""messages, their mentions and side membership: response latency

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

WAITING = "wait_kind IS NOT NULL"


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_question", sa.Boolean(), nullable=False),
        sa.Column("wait_kind", sa.String(length=8), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("author_side", sa.String(length=32), nullable=True),
        sa.Column("answer_side", sa.String(length=32), nullable=True),
        sa.Column("answer_ts", sa.String(length=32), nullable=True),
        sa.Column("answer_user", sa.String(length=32), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("wall_seconds", sa.Double(), nullable=True),
        sa.Column("business_seconds", sa.Double(), nullable=True),
        sa.Column("sla_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unanswered_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel_id", "ts", name="uq_messages_channel_ts"),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_messages_channel_user_posted", ["channel_id", "user_id", "posted_at"]
        )
        batch_op.create_index(
            "ix_messages_channel_thread_posted",
            ["channel_id", "thread_ts", "posted_at"],
            sqlite_where=sa.text("thread_ts IS NOT NULL"),
            postgresql_where=sa.text("thread_ts IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_messages_waiting_figures",
            [
                "channel_id",
                "author_side",
                "answer_side",
                "posted_at",
                "deleted",
                "answered_at",
                "wall_seconds",
                "business_seconds",
                "sla_due_at",
                "unanswered_due_at",
            ],
            sqlite_where=sa.text(WAITING),
            postgresql_where=sa.text(WAITING),
        )

    op.create_table(
        "message_mentions",
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("channel_id", "message_ts", "user_id"),
    )
    with op.batch_alter_table("message_mentions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_message_mentions_open", ["channel_id", "user_id", "answered_at", "posted_at"]
        )

    op.create_table(
        "side_members",
        sa.Column("side", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("side", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("side_members")
    with op.batch_alter_table("message_mentions", schema=None) as batch_op:
        batch_op.drop_index("ix_message_mentions_open")
    op.drop_table("message_mentions")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_waiting_figures")
        batch_op.drop_index("ix_messages_channel_thread_posted")
        batch_op.drop_index("ix_messages_channel_user_posted")
    op.drop_table("messages")
