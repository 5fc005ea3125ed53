"""Internal NPS: rounds, invitations, anonymous answers

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nps_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("audience", sa.String(length=32), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("min_responses", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_by", sa.String(length=32), nullable=True),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.Column("period", sa.String(length=64), nullable=True),
        sa.Column("open_team", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("open_team", name="uq_nps_rounds_open_team"),
    )
    op.create_index("ix_nps_rounds_started_at", "nps_rounds", ["started_at"], unique=False)

    op.create_table(
        "nps_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["round_id"], ["nps_rounds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "user_id", name="uq_nps_invitations_person"),
    )
    op.create_index(
        "ix_nps_invitations_round_status", "nps_invitations", ["round_id", "status"], unique=False
    )

    op.create_table(
        "nps_answers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.CheckConstraint("score >= 0 AND score <= 10", name="ck_nps_answers_score"),
        sa.ForeignKeyConstraint(["round_id"], ["nps_rounds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_nps_answers_round", "nps_answers", ["round_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_nps_answers_round", table_name="nps_answers")
    op.drop_table("nps_answers")
    op.drop_index("ix_nps_invitations_round_status", table_name="nps_invitations")
    op.drop_table("nps_invitations")
    op.drop_index("ix_nps_rounds_started_at", table_name="nps_rounds")
    op.drop_table("nps_rounds")
