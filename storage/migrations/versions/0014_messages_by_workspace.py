"""Messages found by workspace and time: a workspace's week, its first and its oldest message
are read from its own rows, however many workspaces share the table

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_messages_team_posted", "messages", ["team_id", "posted_at"])


def downgrade() -> None:
    op.drop_index("ix_messages_team_posted", table_name="messages")
