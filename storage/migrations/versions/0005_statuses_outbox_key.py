"""Status columns checked against their enums; an outbox task may carry a key, one waiting per key

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.statuses import (
    BlockerStatus,
    EscalationStatus,
    InvitationStatus,
    WaitTarget,
    one_of,
)

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_CHECKS = (
    ("escalations", "ck_escalations_status", one_of("status", EscalationStatus)),
    ("blockers", "ck_blockers_status", one_of("status", BlockerStatus)),
    ("blocker_waits", "ck_blocker_waits_kind", one_of("kind", WaitTarget)),
    ("nps_invitations", "ck_nps_invitations_status", one_of("status", InvitationStatus)),
)
_WAITING = "done_at IS NULL AND key IS NOT NULL"


def upgrade() -> None:
    for table, name, condition in _CHECKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(name, condition)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_outbox_waiting_key",
            ["key"],
            unique=True,
            sqlite_where=sa.text(_WAITING),
            postgresql_where=sa.text(_WAITING),
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_waiting_key")
        batch_op.drop_column("key")
    for table, name, _condition in reversed(_CHECKS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(name, type_="check")
