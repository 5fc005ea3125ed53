"""Tables. Timestamps are timezone-aware UTC; message text from conversations is never stored."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, configure_mappers, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from storage.statuses import (
    BlockerStatus,
    EscalationStatus,
    GroupMentionState,
    InvitationStatus,
    PostKind,
    WaitTarget,
    one_of,
)

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


def partial_index(name: str, *columns: Any, where: str, unique: bool = False) -> Index:
    """An index of the rows `where` holds for (SQL). The migration that creates it writes the
    condition; here it is kept in `info`, where a test checks it against the database: naming it
    as each database's option would load SQLAlchemy's PostgreSQL and SQLite dialects into every
    process, 2 MB a process for the one not in use."""
    return Index(name, *columns, unique=unique, info={"where": where})


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


class InWorkspace:
    """A row of one Slack workspace: every table is one, and storage.scope shows a session
    acting for a workspace only its rows. The tables that had the column before every table
    did declare it again, so that it keeps its place among their columns (and in exports)."""

    team_id: Mapped[str] = mapped_column(String(SLACK_ID))


class SlackEvent(InWorkspace, Base):
    """One row per Events API delivery seen, so a retried or repeated event acts once."""

    __tablename__ = "slack_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(SLACK_ID))
    event_type: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(index=True)


class JobClaim(InWorkspace, Base):
    """A piece of scheduled work, claimed before it runs so that it runs once."""

    __tablename__ = "job_claims"
    __table_args__ = (
        UniqueConstraint("team_id", "job", "subject", "period", name="uq_job_claims_work"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128))
    period: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class OutboxTask(InWorkspace, Base):
    """Slack work promised in a transaction and done after it: posts, DMs, message edits.

    Written in the same transaction as the change it announces, so a crash after the commit
    loses nothing; done by a separate, low-priority process, so Slack gets its answer first.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "done_at", "available_at"),
        # One waiting task per workspace and key: paced work (survey DMs) is never queued twice.
        partial_index(
            "ix_outbox_waiting_key",
            "team_id",
            "key",
            unique=True,
            where="done_at IS NULL AND key IS NOT NULL",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    available_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    key: Mapped[str | None] = mapped_column(String(64))


class Escalation(InWorkspace, Base):
    """An escalation: open → acknowledged → resolved."""

    __tablename__ = "escalations"
    __table_args__ = (
        CheckConstraint(one_of("status", EscalationStatus), name="ck_escalations_status"),
        Index("ix_escalations_status_created", "status", "created_at"),
        Index("ix_escalations_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(SLACK_ID))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=EscalationStatus.OPEN)
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


class Blocker(InWorkspace, Base):
    """A blocker: open → resolved."""

    __tablename__ = "blockers"
    __table_args__ = (
        CheckConstraint(one_of("status", BlockerStatus), name="ck_blockers_status"),
        Index("ix_blockers_status_created", "status", "created_at"),
        Index("ix_blockers_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(SLACK_ID))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=BlockerStatus.OPEN)
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


class BlockerWait(InWorkspace, Base):
    """Whom a blocker waits on: a person (`user`) or a channel (`channel`)."""

    __tablename__ = "blocker_waits"
    __table_args__ = (
        UniqueConstraint("blocker_id", "kind", "target_id"),
        CheckConstraint(one_of("kind", WaitTarget), name="ck_blocker_waits_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    blocker_id: Mapped[int] = mapped_column(ForeignKey("blockers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(SLACK_ID), index=True)

    blocker: Mapped[Blocker] = relationship(back_populates="waits_on")


# --- Latency: message timing ---


class Message(InWorkspace, Base):
    """A person's message in a tracked channel: ids and times only, never its text.

    `wait_kind` is "mention" (it mentions people other than its author) or "question" (a
    top-level question without such mentions); None when it waits for nothing. A row with no
    `user_id` is a tombstone: its deletion arrived before the message itself.
    """

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel_id", "ts", name="uq_messages_channel_ts"),
        Index("ix_messages_channel_user_posted", "channel_id", "user_id", "posted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(SLACK_ID))
    channel_id: Mapped[str] = mapped_column(String(SLACK_ID))
    ts: Mapped[str] = mapped_column(String(SLACK_ID))
    thread_ts: Mapped[str | None] = mapped_column(String(SLACK_ID))
    user_id: Mapped[str | None] = mapped_column(String(SLACK_ID))
    posted_at: Mapped[datetime]
    is_question: Mapped[bool] = mapped_column(default=False)
    wait_kind: Mapped[str | None] = mapped_column(String(8))
    deleted: Mapped[bool] = mapped_column(default=False)
    author_side: Mapped[str | None] = mapped_column(String(SLACK_ID))
    # The answerer's side; until an answer comes, the side expected to answer.
    answer_side: Mapped[str | None] = mapped_column(String(SLACK_ID))
    answer_ts: Mapped[str | None] = mapped_column(String(SLACK_ID))
    answer_user: Mapped[str | None] = mapped_column(String(SLACK_ID))
    answered_at: Mapped[datetime | None]
    wall_seconds: Mapped[float | None]
    business_seconds: Mapped[float | None]
    sla_due_at: Mapped[datetime | None]
    unanswered_due_at: Mapped[datetime | None]


# Replies only: a top-level message (most of them) is never looked up by its thread.
partial_index(
    "ix_messages_channel_thread_posted",
    Message.channel_id,
    Message.thread_ts,
    Message.posted_at,
    where="thread_ts IS NOT NULL",
)
# Period figures read waiting messages only, and only these columns: the index holds them all,
# in GROUP BY order, so a 90-day answer reads one index and never sorts or visits the table.
partial_index(
    "ix_messages_waiting_figures",
    Message.channel_id,
    Message.author_side,
    Message.answer_side,
    Message.posted_at,
    Message.deleted,
    Message.answered_at,
    Message.wall_seconds,
    Message.business_seconds,
    Message.sla_due_at,
    Message.unanswered_due_at,
    where="wait_kind IS NOT NULL",
)


class MessageMention(InWorkspace, Base):
    """A person a waiting message mentions, with that message's answer time (None: open)."""

    __tablename__ = "message_mentions"
    __table_args__ = (
        Index("ix_message_mentions_open", "channel_id", "user_id", "answered_at", "posted_at"),
    )

    channel_id: Mapped[str] = mapped_column(String(SLACK_ID), primary_key=True)
    message_ts: Mapped[str] = mapped_column(String(SLACK_ID), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(SLACK_ID), primary_key=True)
    posted_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]


class UsergroupReading(InWorkspace, Base):
    """A Slack user group's members as Baton read them (`members`: user ids, comma-separated),
    or that it could not read them. A reading is kept when the members changed, so the members
    at any moment are those of the last reading before it."""

    __tablename__ = "usergroup_readings"
    __table_args__ = (Index("ix_usergroup_readings_group", "group_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(SLACK_ID))
    group_id: Mapped[str] = mapped_column(String(SLACK_ID))
    read_at: Mapped[datetime]
    readable: Mapped[bool]
    members: Mapped[str] = mapped_column(Text, default="")


class MessageGroupMention(InWorkspace, Base):
    """A user group a message mentions, and what Baton made of it: its members were waited for,
    are still to be read, or could not be read (the message does not wait for them)."""

    __tablename__ = "message_group_mentions"
    __table_args__ = (
        Index("ix_message_group_mentions_state", "state", "posted_at"),
        CheckConstraint(one_of("state", GroupMentionState), name="ck_message_group_mentions_state"),
    )

    channel_id: Mapped[str] = mapped_column(String(SLACK_ID), primary_key=True)
    message_ts: Mapped[str] = mapped_column(String(SLACK_ID), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(SLACK_ID), primary_key=True)
    posted_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(12))


class SideMember(InWorkspace, Base):
    """Who is on which side (client, partner), as the side's Slack user group last said."""

    __tablename__ = "side_members"
    __table_args__ = (PrimaryKeyConstraint("team_id", "side", "user_id", name="pk_side_members"),)

    side: Mapped[str] = mapped_column(String(SLACK_ID))
    user_id: Mapped[str] = mapped_column(String(SLACK_ID))
    refreshed_at: Mapped[datetime]


# --- Internal NPS: rounds, invitations, answers ---


class NpsRound(InWorkspace, Base):
    """One survey round: the audience asked, the question, when it opened and closed."""

    __tablename__ = "nps_rounds"
    # `open_team` is set while the round is open and cleared when it closes: the unique key
    # lets each workspace have one open round, however many processes try to start one.
    __table_args__ = (UniqueConstraint("open_team", name="uq_nps_rounds_open_team"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(SLACK_ID))
    audience: Mapped[str] = mapped_column(String(SLACK_ID))
    question: Mapped[str] = mapped_column(Text)
    min_responses: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    # Who started it with `/kpi nps start`; None for a round on the cadence.
    started_by: Mapped[str | None] = mapped_column(String(SLACK_ID))
    closed_by: Mapped[str | None] = mapped_column(String(SLACK_ID))
    period: Mapped[str | None] = mapped_column(String(64))
    open_team: Mapped[str | None] = mapped_column(String(SLACK_ID))


class NpsInvitation(InWorkspace, Base):
    """Who was asked in a round and how far their DM got; never what they answered."""

    __tablename__ = "nps_invitations"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id", name="uq_nps_invitations_person"),
        CheckConstraint(one_of("status", InvitationStatus), name="ck_nps_invitations_status"),
        Index("ix_nps_invitations_round_status", "round_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("nps_rounds.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(SLACK_ID))
    status: Mapped[str] = mapped_column(String(16), default=InvitationStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    channel_id: Mapped[str | None] = mapped_column(String(SLACK_ID))
    message_ts: Mapped[str | None] = mapped_column(String(SLACK_ID))
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(64))


class NpsAnswer(InWorkspace, Base):
    """One anonymous answer: no user, no time of day, and a random key that orders nothing."""

    __tablename__ = "nps_answers"
    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 10", name="ck_nps_answers_score"),
        Index("ix_nps_answers_round", "round_id"),
        # Without a rowid SQLite keeps the rows in key order, so even the file's layout
        # carries no answering order.
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("nps_rounds.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    answered_on: Mapped[date] = mapped_column(Date)


# --- Digests, alerts and baselines ---


class Digest(InWorkspace, Base):
    """One periodic post in one channel (the weekly digest, the monthly review): claimed before
    it is posted, so it is posted once.

    A run holds it while `lease_until` is in the future; each part (the message, each chart)
    is a DigestPart marked right after Slack took it, so a rerun posts only what is missing.
    """

    __tablename__ = "digests"
    __table_args__ = (
        UniqueConstraint(
            "team_id", "kind", "channel_id", "period_start", name="uq_digests_kind_channel"
        ),
        CheckConstraint(one_of("kind", PostKind), name="ck_digests_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default=PostKind.DIGEST)
    channel_id: Mapped[str] = mapped_column(String(SLACK_ID))
    # The first day of the period: the week's Monday (digest), the month's first day (review).
    period_start: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    message_ts: Mapped[str | None] = mapped_column(String(SLACK_ID))
    completed_at: Mapped[datetime | None]


class DigestPart(InWorkspace, Base):
    """A part of a digest Slack has: the message (its ts) or a chart (its file id)."""

    __tablename__ = "digest_parts"

    digest_id: Mapped[int] = mapped_column(
        ForeignKey("digests.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    slack_ref: Mapped[str | None] = mapped_column(String(SLACK_ID))
    posted_at: Mapped[datetime]


class UnsurePost(InWorkspace, Base):
    """A post whose every try ended without knowing whether Slack took it, nor finding it
    after: the next try looks for it first, from `since` (the first of those tries)."""

    __tablename__ = "unsure_posts"
    __table_args__ = (PrimaryKeyConstraint("team_id", "ref", "channel_id", name="pk_unsure_posts"),)

    ref: Mapped[str] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(SLACK_ID))
    since: Mapped[datetime]


class AlertState(InWorkspace, Base):
    """Where one alert rule stands for one subject: breaching since when, last posted when."""

    __tablename__ = "alert_states"
    __table_args__ = (PrimaryKeyConstraint("team_id", "rule", "subject", name="pk_alert_states"),)

    # A rule's name: "nps_below", or "scorecard_" and a KPI's name.
    rule: Mapped[str] = mapped_column(String(64))
    # "team" for a KPI rule; "blocker:12" or "escalation:7" for a rule about one item.
    subject: Mapped[str] = mapped_column(String(64))
    breaching_since: Mapped[datetime | None]
    last_posted_at: Mapped[datetime | None]
    last_value: Mapped[float | None]
    updated_at: Mapped[datetime]


# The digest reads waiting messages a week at a time across channels; this finds a week's rows
# without statistics (SQLite) or a skip scan (PostgreSQL), whatever the history's length.
partial_index(
    "ix_messages_waiting_week",
    Message.posted_at,
    where="wait_kind IS NOT NULL",
)


# The daily deletion of old message timings finds them by posting time, waiting or not.
Index("ix_messages_posted", Message.posted_at)
# Work acting for one workspace reads its week, its first and its oldest message by workspace
# first: by time alone, it would read past every other workspace's rows of the same weeks
# (a digest's reads grew with the number of workspaces the table holds).
Index("ix_messages_team_posted", Message.team_id, Message.posted_at)


class KeptLatencyWeek(InWorkspace, Base):
    """A week whose latency figures are kept in latency_weeks: from then on, every reading of
    that week takes them from there, and its messages may be deleted."""

    __tablename__ = "latency_weeks_kept"
    __table_args__ = (PrimaryKeyConstraint("team_id", "week_start", name="pk_latency_weeks_kept"),)

    week_start: Mapped[datetime]
    week_end: Mapped[datetime]
    kept_at: Mapped[datetime]
    # JSON: {channel id: messages that mention a user group Baton cannot read}
    unreadable: Mapped[str] = mapped_column(Text, default="{}")


class LatencyWeekGroup(InWorkspace, Base):
    """One kept week's waiting messages of one channel from one side to another: the counts
    of WaitFigures and the wait of each answered message (seconds, JSON lists in no order),
    from which a median or p90 over any set of weeks is exact. No time, person or id."""

    __tablename__ = "latency_weeks"
    __table_args__ = (
        Index("ix_latency_weeks_week", "week_start", "channel_id"),
        ForeignKeyConstraint(
            ["team_id", "week_start"],
            ["latency_weeks_kept.team_id", "latency_weeks_kept.week_start"],
            name="fk_latency_weeks_kept",
            ondelete="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    week_start: Mapped[datetime]
    channel_id: Mapped[str] = mapped_column(String(SLACK_ID))
    author_side: Mapped[str | None] = mapped_column(String(SLACK_ID))
    answer_side: Mapped[str | None] = mapped_column(String(SLACK_ID))
    waiting: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    sla_ended: Mapped[int] = mapped_column(Integer)
    within_sla: Mapped[int] = mapped_column(Integer)
    unanswered: Mapped[int] = mapped_column(Integer)
    wall_seconds: Mapped[str] = mapped_column(Text)
    business_seconds: Mapped[str] = mapped_column(Text)


class KpiBaseline(InWorkspace, Base):
    """A family's baseline, kept once its weeks are over: later digests read it, not the weeks."""

    __tablename__ = "kpi_baselines"
    __table_args__ = (
        PrimaryKeyConstraint(
            "team_id", "family", "scope", "first_week", "weeks", name="pk_kpi_baselines"
        ),
    )

    family: Mapped[str] = mapped_column(String(32))
    # "" for the whole team, or a channel id.
    scope: Mapped[str] = mapped_column(String(SLACK_ID))
    first_week: Mapped[date] = mapped_column(Date)
    weeks: Mapped[int] = mapped_column(Integer)
    figures: Mapped[str] = mapped_column(Text)  # JSON: {kpi key: median or null}
    computed_at: Mapped[datetime]


class Checkin(InWorkspace, Base):
    """One sprint's numbers, as the leads entered them (or a spreadsheet was imported); None is
    a number nobody gave. The sprint's dates are kept, so a later change of sprint length
    renumbers nothing stored."""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("team_id", "sprint", name="uq_checkins_team_sprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(SLACK_ID))
    sprint: Mapped[int] = mapped_column(Integer)
    sprint_start: Mapped[date] = mapped_column(Date)
    sprint_end: Mapped[date] = mapped_column(Date)
    points_planned: Mapped[float | None]
    points_delivered: Mapped[float | None]
    milestones_due: Mapped[float | None]
    milestones_on_schedule: Mapped[float | None]
    kt_items_total: Mapped[float | None]
    kt_items_validated: Mapped[float | None]
    spend: Mapped[float | None]
    forecast: Mapped[float | None]
    budget_consumed_pct: Mapped[float | None]
    milestones_completed_pct: Mapped[float | None]
    tickets_resolved: Mapped[float | None]
    tickets_first_time_fixed: Mapped[float | None]
    headcount: Mapped[float | None]
    key_roles: Mapped[float | None]
    leavers: Mapped[float | None]
    key_role_leavers: Mapped[float | None]
    deployments: Mapped[float | None]
    failed_changes: Mapped[float | None]
    lead_time_hours: Mapped[float | None]
    restore_hours: Mapped[float | None]
    updated_at: Mapped[datetime]
    # Who last changed it: a lead's user id, or None for an import.
    updated_by: Mapped[str | None] = mapped_column(String(SLACK_ID))


class CheckinPrompt(InWorkspace, Base):
    """The DM asking a lead for a sprint's check-in: where it is, reminded when, done when."""

    __tablename__ = "checkin_prompts"
    __table_args__ = (
        UniqueConstraint("team_id", "sprint", "lead_id", name="uq_checkin_prompts_lead"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(SLACK_ID))
    sprint: Mapped[int] = mapped_column(Integer)
    lead_id: Mapped[str] = mapped_column(String(SLACK_ID))
    channel_id: Mapped[str | None] = mapped_column(String(SLACK_ID))
    message_ts: Mapped[str | None] = mapped_column(String(SLACK_ID))
    sent_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]


class ScorecardSnapshot(InWorkspace, Base):
    """The scorecard as it stood on a day: each weekly digest and each monthly review keeps one,
    for the readiness chart and for what changed since the last review."""

    __tablename__ = "scorecard_snapshots"
    __table_args__ = (
        UniqueConstraint("team_id", "kind", "taken_on", name="uq_scorecard_snapshots_day"),
        CheckConstraint(one_of("kind", PostKind), name="ck_scorecard_snapshots_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(SLACK_ID))
    kind: Mapped[str] = mapped_column(String(16))
    taken_on: Mapped[date] = mapped_column(Date)
    readiness: Mapped[float | None]
    scorecard: Mapped[str] = mapped_column(Text)  # JSON, as `baton kpi scorecard --json` prints
    taken_at: Mapped[datetime]


# --- Settings a workspace's admins changed in Slack ---


class WorkspaceSetting(InWorkspace, Base):
    """A workspace's own value of one setting (bot.config.workspace): the text of an
    environment variable, laid over the environment's for that workspace alone."""

    __tablename__ = "workspace_settings"
    __table_args__ = (PrimaryKeyConstraint("team_id", "name", name="pk_workspace_settings"),)

    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)


class WorkspaceSettingChange(InWorkspace, Base):
    """One change of a workspace's setting: who made it, when, from what to what (None: the
    environment's value)."""

    __tablename__ = "workspace_setting_changes"
    __table_args__ = (Index("ix_workspace_setting_changes_team", "team_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(SLACK_ID))
    changed_at: Mapped[datetime]


# The mappers are set up once, when the models are imported, rather than at each process's first
# query: a preloading web master then shares them with its forked workers and drainer.
configure_mappers()
