"""Tables. Timestamps are timezone-aware UTC; message text from conversations is never stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

SLACK_ID = 32


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which keeps no zone) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Baton stores aware UTC datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


class SlackEvent(Base):
    """One row per Events API delivery seen, so a retried or repeated event acts once."""

    __tablename__ = "slack_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(SLACK_ID))
    event_type: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(index=True)


class JobClaim(Base):
    """A piece of scheduled work, claimed before it runs so that it runs once."""

    __tablename__ = "job_claims"
    __table_args__ = (UniqueConstraint("job", "subject", "period", name="uq_job_claims_work"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128))
    period: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class Escalation(Base):
    """An escalation: open → acknowledged → resolved."""

    __tablename__ = "escalations"
    __table_args__ = (
        Index("ix_escalations_status_created", "status", "created_at"),
        Index("ix_escalations_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(SLACK_ID))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="open")
    reporter_id: Mapped[str] = mapped_column(String(SLACK_ID))
    owner_id: Mapped[str | None] = mapped_column(String(SLACK_ID))
    # Who must act now: the owner, then each escalation level in turn.
    assignee_id: Mapped[str | None] = mapped_column(String(SLACK_ID))
    level: Mapped[int] = mapped_column(Integer, default=0)
    source_channel_id: Mapped[str] = mapped_column(String(SLACK_ID))
    channel_id: Mapped[str | None] = mapped_column(String(SLACK_ID))
    message_ts: Mapped[str | None] = mapped_column(String(SLACK_ID))
    created_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(SLACK_ID))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(SLACK_ID))
    resolution_note: Mapped[str | None] = mapped_column(Text)


class Blocker(Base):
    """A blocker: open → resolved."""

    __tablename__ = "blockers"
    __table_args__ = (
        Index("ix_blockers_status_created", "status", "created_at"),
        Index("ix_blockers_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(SLACK_ID))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    reporter_id: Mapped[str] = mapped_column(String(SLACK_ID))
    source_channel_id: Mapped[str] = mapped_column(String(SLACK_ID), index=True)
    channel_id: Mapped[str | None] = mapped_column(String(SLACK_ID))
    message_ts: Mapped[str | None] = mapped_column(String(SLACK_ID))
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(SLACK_ID))
    resolution_note: Mapped[str | None] = mapped_column(Text)

    waits_on: Mapped[list[BlockerWait]] = relationship(
        back_populates="blocker", cascade="all, delete-orphan", lazy="selectin"
    )


class BlockerWait(Base):
    """Whom a blocker waits on: a person (`user`) or a channel (`channel`)."""

    __tablename__ = "blocker_waits"
    __table_args__ = (UniqueConstraint("blocker_id", "kind", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    blocker_id: Mapped[int] = mapped_column(ForeignKey("blockers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(SLACK_ID), index=True)

    blocker: Mapped[Blocker] = relationship(back_populates="waits_on")


# --- Latency: message timing (issue 3) ---


# --- Internal NPS: rounds, invitations, answers (issue 4) ---
