"""Settings a workspace's admins change in Slack, and who changed which, when

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workspace_settings",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "name", name="pk_workspace_settings"),
    )
    op.create_table(
        "workspace_setting_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("workspace_setting_changes") as batch:
        batch.create_index("ix_workspace_setting_changes_team", ["team_id", "changed_at"])


def downgrade() -> None:
    with op.batch_alter_table("workspace_setting_changes") as batch:
        batch.drop_index("ix_workspace_setting_changes_team")
    op.drop_table("workspace_setting_changes")
    op.drop_table("workspace_settings")
