"""Messages of tracked channels, their mentions and answers: ids and times, never text.

The statements that run for each message event Slack sends go straight to the driver (in a
storage.driver transaction, or in a session's), as plain SQL that SQLite and PostgreSQL both
read. Order of delivery does not matter: a message is stored once per (channel, ts), an answer
only replaces a later one, and a deletion that arrives before its message leaves a tombstone
the message fills in. Ordering uses `posted_at` (exact to the microsecond of `ts`), never text
comparison of `ts`.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.orm import Session

from storage.driver import Transaction, Writer, transaction_of
from storage.events import Delivery, delivery_params, record_delivery
from storage.inserts import dialect_insert
from storage.models import Message, MessageGroupMention, MessageMention, SideMember
from storage.statuses import GroupMentionState

SIDE_MEMBERS = cast(Table, SideMember.__table__)

MENTION = "mention"
QUESTION = "question"

# One key space for Baton's advisory locks on PostgreSQL; the second key is the channel's hash.
_LOCK_SPACE = 0x0BA7


@dataclass(frozen=True)
class NewMessage:
    """A person's message as Baton keeps it."""

    team_id: str
    channel_id: str
    ts: str
    thread_ts: str | None
    user_id: str
    posted_at: datetime
    is_question: bool
    wait_kind: str | None
    mentions: tuple[str, ...]
    author_side: str | None
    expected_side: str | None
    sla_due_at: datetime | None
    unanswered_due_at: datetime | None
    # The user groups it mentions, each with what became of it (GroupMentionState's values).
    groups: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Waiter:
    """A stored message waiting for an answer (or answered later than some message)."""

    channel_id: str
    ts: str
    posted_at: datetime
    wait_kind: str


@dataclass(frozen=True)
class Reply:
    """A stored message that answers a waiter: who and when."""

    ts: str
    user_id: str
    posted_at: datetime


@dataclass(frozen=True)
class Answer:
    """What is recorded on a waiter once its answer is known."""

    ts: str
    user_id: str
    answered_at: datetime
    side: str | None
    wall_seconds: float
    business_seconds: float
    sla_due_at: datetime
    unanswered_due_at: datetime


@dataclass(frozen=True)
class Arrival:
    """What storing a message found: earlier messages it answers (or answers sooner), and the
    answer to it among messages stored before it arrived."""

    answers_to: list[Waiter]
    reply: Reply | None


# PostgreSQL: the same, the channel's lock and an asynchronous commit, in one round trip.
#
# The lock serialises writers of one channel until the transaction ends (SQLite's BEGIN
# IMMEDIATE already serialises all writers): without it a question and its answer stored at
# once by two workers would each miss the other, uncommitted, and never be linked. With
# synchronous_commit off the commit does not wait for the disk: a server crash may lose the
# last fraction of a second of timings, never double them, and an event is stored about twice
# as fast.
_RECORD_AND_LOCK = """
WITH recorded AS (
    INSERT INTO slack_events (event_id, team_id, event_type, received_at) VALUES (?, ?, ?, ?)
    ON CONFLICT DO NOTHING RETURNING event_id
)
SELECT (SELECT count(*) FROM recorded), set_config('synchronous_commit', 'off', true),
    pg_advisory_xact_lock(?, ?)
"""
_LOCK = "SELECT set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock(?, ?)"


def _lock_key(channel_id: str) -> tuple[int, int]:
    return _LOCK_SPACE, zlib.crc32(channel_id.encode()) - 2**31


def _begin(tx: Transaction, channel_id: str, delivery: Delivery | None) -> bool:
    """Record the delivery (if any) and lock the channel; False when the delivery is a repeat."""
    if not tx.postgres:
        return delivery is None or record_delivery(tx, delivery)
    if delivery is None:
        tx.execute(_LOCK, _lock_key(channel_id)).fetchall()
        return True
    params = delivery_params(tx, delivery) + _lock_key(channel_id)
    return bool(tx.execute(_RECORD_AND_LOCK, params).fetchone()[0])


_INSERT_MESSAGE = """
INSERT INTO messages (team_id, channel_id, ts, thread_ts, user_id, posted_at, is_question,
    wait_kind, deleted, author_side, answer_side, sla_due_at, unanswered_due_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (channel_id, ts) DO UPDATE SET team_id = excluded.team_id,
    thread_ts = excluded.thread_ts, user_id = excluded.user_id, posted_at = excluded.posted_at,
    is_question = excluded.is_question, wait_kind = excluded.wait_kind,
    author_side = excluded.author_side, answer_side = excluded.answer_side,
    sla_due_at = excluded.sla_due_at, unanswered_due_at = excluded.unanswered_due_at
WHERE messages.user_id IS NULL
RETURNING id
"""
_INSERT_MENTION = """
INSERT INTO message_mentions (team_id, channel_id, message_ts, user_id, posted_at, answered_at)
VALUES (?, ?, ?, ?, ?, NULL)
"""
_INSERT_GROUP_MENTION = """
INSERT INTO message_group_mentions (team_id, channel_id, message_ts, group_id, posted_at, state)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel_id, message_ts, group_id) DO NOTHING
"""
_PG_STORE = f"stored AS ({_INSERT_MESSAGE})"
_PG_MENTIONS = """mentioned AS (
    INSERT INTO message_mentions (team_id, channel_id, message_ts, user_id, posted_at,
        answered_at)
    SELECT ?, ?, ?, person, ?, NULL FROM unnest(?::varchar[]) AS person
    WHERE EXISTS (SELECT 1 FROM stored)
)"""
# A row that says the message was stored (not a repeat), among the waiters and the reply.
_PG_STORED = "(SELECT 'stored', NULL, NULL, NULL::timestamptz, NULL FROM stored)"
# What a new message answers, and what answers it, in one query: rows are ('waiter',
# channel, ts, posted_at, wait_kind) or ('reply', channel, ts, posted_at, user_id).
# Open mentions, and those answered after the new message, as two index ranges: an OR would
# make SQLite read every mention of the person in the channel, ever.
_MENTION_WAITERS = """
SELECT 'waiter', channel_id, message_ts, posted_at, 'mention' FROM message_mentions
WHERE channel_id = ? AND user_id = ? AND answered_at IS NULL AND posted_at < ?
UNION ALL
SELECT 'waiter', channel_id, message_ts, posted_at, 'mention' FROM message_mentions
WHERE channel_id = ? AND user_id = ? AND answered_at > ? AND posted_at < ?
"""
_QUESTION_WAITER = """
SELECT 'waiter', channel_id, ts, posted_at, wait_kind FROM messages
WHERE channel_id = ? AND ts = ? AND wait_kind = 'question' AND user_id <> ?
    AND (answered_at IS NULL OR answered_at > ?)
"""
_FIRST_BY = """
SELECT * FROM (
    SELECT 'reply', channel_id, ts, posted_at, user_id FROM messages
    WHERE channel_id = ? AND user_id IN ({users}) AND posted_at > ?
    ORDER BY posted_at LIMIT 1
) AS first_by
"""
_FIRST_REPLY = """
SELECT * FROM (
    SELECT 'reply', channel_id, ts, posted_at, user_id FROM messages
    WHERE channel_id = ? AND thread_ts = ? AND posted_at > ? AND user_id <> ?
    ORDER BY posted_at LIMIT 1
) AS first_reply
"""


def store_message(
    writer: Writer, message: NewMessage, delivery: Delivery | None = None
) -> Arrival | None:
    """Record the delivery, lock the channel, store `message` and its mentions, and find what it
    answers and what answers it; None for a repeat (of the delivery, or of the message under
    another event id).

    The earlier messages it answers: those mentioning its author in the channel, and the
    thread's top-level question when it is a reply by someone else, each unless answered
    before it. Its own answer, when it waits: the first later message of a person it mentions,
    or the first later reply in its thread by someone else. A tombstone (its deletion arrived
    first) is filled in and keeps its `deleted` flag.
    """
    tx = transaction_of(writer)
    channel, at = message.channel_id, tx.time(message.posted_at)
    if not _begin(tx, channel, delivery):
        return None
    values = (
        message.team_id, channel, message.ts, message.thread_ts, message.user_id, at,
        tx.flag(message.is_question), message.wait_kind, tx.flag(False), message.author_side,
        message.expected_side, tx.time(message.sla_due_at), tx.time(message.unanswered_due_at),
    )  # fmt: skip
    mentions = message.mentions if message.wait_kind == MENTION else ()
    parts = [_MENTION_WAITERS]
    params: list[Any] = [channel, message.user_id, at, channel, message.user_id, at, at]
    if message.thread_ts is not None:
        parts.append(_QUESTION_WAITER)
        params += [channel, message.thread_ts, message.user_id, at]
    if mentions:
        parts.append(_FIRST_BY.format(users=", ".join("?" for _ in mentions)))
        params += [channel, *mentions, at]
    elif message.wait_kind == QUESTION:
        parts.append(_FIRST_REPLY)
        params += [channel, message.ts, at, message.user_id]
    found = " UNION ALL ".join(parts)
    if tx.postgres:
        # One round trip: the statement's snapshot is taken after the channel's lock, so it
        # sees every message committed before; it does not see its own insert, nor need to.
        head = [_PG_STORE, _PG_MENTIONS] if mentions else [_PG_STORE]
        statement = f"WITH {', '.join(head)} {_PG_STORED} UNION ALL {found}"
        extra = [message.team_id, channel, message.ts, at, list(mentions)] if mentions else []
        rows = tx.execute(statement, [*values, *extra, *params]).fetchall()
        if not any(row[0] == "stored" for row in rows):
            return None
    else:
        if not tx.execute(_INSERT_MESSAGE, values).fetchall():
            return None
        if mentions:
            tx.cursor.executemany(
                tx.sql(_INSERT_MENTION),
                [(message.team_id, channel, message.ts, user, at) for user in mentions],
            )
        rows = tx.execute(found, params).fetchall()
    if message.groups:
        tx.cursor.executemany(
            tx.sql(_INSERT_GROUP_MENTION),
            [
                (message.team_id, channel, message.ts, group, at, state)
                for group, state in message.groups
            ],
        )
    answers_to, reply = [], None
    for row in rows:
        if row[0] == "stored":
            continue
        if row[0] == "waiter":
            answers_to.append(Waiter(row[1], row[2], tx.read_time(row[3]), row[4]))
        else:
            reply = Reply(row[2], row[4], tx.read_time(row[3]))
    return Arrival(answers_to, reply)


_SET_ANSWER = """
UPDATE messages SET answer_ts = ?, answer_user = ?, answered_at = ?, answer_side = ?,
    wall_seconds = ?, business_seconds = ?, sla_due_at = ?, unanswered_due_at = ?
WHERE channel_id = ? AND ts = ? AND (answered_at IS NULL OR answered_at > ?)
"""
_SET_MENTIONS_ANSWERED = """
UPDATE message_mentions SET answered_at = ? WHERE channel_id = ? AND message_ts = ?
"""


_PG_SET_ANSWER = f"""
WITH answered AS ({_SET_ANSWER} RETURNING channel_id, ts, wait_kind)
UPDATE message_mentions SET answered_at = ? FROM answered
WHERE answered.wait_kind = 'mention' AND message_mentions.channel_id = answered.channel_id
    AND message_mentions.message_ts = answered.ts
"""


def set_answers(writer: Writer, answers: Sequence[tuple[Waiter, Answer]]) -> None:
    """Record each answer on its waiter, unless the waiter already has an earlier one.

    A mention row carries its message's answer time, kept in step in the same statement on
    PostgreSQL (one round trip), in a second one on SQLite.
    """
    tx = transaction_of(writer)
    for waiter, answer in answers:
        answered_at = tx.time(answer.answered_at)
        params = (
            answer.ts, answer.user_id, answered_at, answer.side, answer.wall_seconds,
            answer.business_seconds, tx.time(answer.sla_due_at),
            tx.time(answer.unanswered_due_at), waiter.channel_id, waiter.ts, answered_at,
        )  # fmt: skip
        if tx.postgres:
            tx.execute(_PG_SET_ANSWER, (*params, answered_at))
        elif tx.execute(_SET_ANSWER, params).rowcount and waiter.wait_kind == MENTION:
            tx.execute(_SET_MENTIONS_ANSWERED, (answered_at, waiter.channel_id, waiter.ts))


_MARK_DELETED = "UPDATE messages SET deleted = ? WHERE channel_id = ? AND ts = ?"
_TOMBSTONE = """
INSERT INTO messages (team_id, channel_id, ts, posted_at, is_question, deleted)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel_id, ts) DO NOTHING
"""


def mark_deleted(
    writer: Writer,
    *,
    team_id: str,
    channel_id: str,
    ts: str,
    posted_at: datetime,
    delivery: Delivery | None = None,
) -> bool:
    """Take a message out of the figures; True if it was stored (else a tombstone waits for it).

    Doing it twice changes nothing, so a repeated delivery needs no check.
    """
    tx = transaction_of(writer)
    _begin(tx, channel_id, delivery)
    if tx.execute(_MARK_DELETED, (tx.flag(True), channel_id, ts)).rowcount:
        return True
    params = (team_id, channel_id, ts, tx.time(posted_at), tx.flag(False), tx.flag(True))
    tx.execute(_TOMBSTONE, params)
    return False


def message(session: Session, channel_id: str, ts: str) -> Message | None:
    """The stored message `ts` of `channel_id`."""
    return session.scalars(
        select(Message).where(Message.channel_id == channel_id, Message.ts == ts)
    ).first()


# -- sides ---------------------------------------------------------------------------------


def replace_side_members(
    session: Session, *, team_id: str, side: str, user_ids: Iterable[str], now: datetime
) -> int:
    """Make `user_ids` the members of `side`; returns how many."""
    members = sorted(set(user_ids))
    session.execute(delete(SideMember).where(SideMember.side == side))
    if members:
        row = {"team_id": team_id, "side": side, "refreshed_at": now}
        session.execute(insert(SIDE_MEMBERS), [{**row, "user_id": user_id} for user_id in members])
    return len(members)


def forget_sides_except(session: Session, sides: Sequence[str]) -> None:
    """Drop members of sides no longer configured."""
    session.execute(delete(SideMember).where(SideMember.side.not_in(list(sides))))


def side_members(session: Session) -> dict[str, set[str]]:
    """Every side's members, by side."""
    found: dict[str, set[str]] = {}
    for side, user_id in session.execute(select(SideMember.side, SideMember.user_id)):
        found.setdefault(side, set()).add(user_id)
    return found


# -- user groups whose members were read after their message came ------------------------------


def add_waited_for(
    session: Session, waiter: Waiter, user_ids: Sequence[str]
) -> tuple[Message, Reply | None] | None:
    """Make a stored message wait for `user_ids` too (a group's members, read after it came):
    their mention rows carry the message's answer time. Returns the message and the first
    later message of one of them in its channel, or None if the message is gone."""
    row = message(session, waiter.channel_id, waiter.ts)
    if row is None or row.user_id is None:
        return None
    if user_ids:
        statement = dialect_insert(session, cast(Table, MessageMention.__table__)).values(
            [
                {
                    "team_id": row.team_id,
                    "channel_id": waiter.channel_id,
                    "message_ts": waiter.ts,
                    "user_id": user_id,
                    "posted_at": waiter.posted_at,
                    "answered_at": row.answered_at,
                }
                for user_id in user_ids
            ]
        )
        session.execute(statement.on_conflict_do_nothing())
    first = session.execute(
        select(Message.ts, Message.user_id, Message.posted_at)
        .where(
            Message.channel_id == waiter.channel_id,
            Message.user_id.in_(list(user_ids)),
            Message.posted_at > waiter.posted_at,
        )
        .order_by(Message.posted_at)
        .limit(1)
    ).first()
    reply = None if first is None else Reply(first.ts, str(first.user_id), first.posted_at)
    return row, reply


def wait_for_nobody(session: Session, channel_id: str, ts: str) -> None:
    """A message whose only mentions are of groups Baton cannot read waits for nobody."""
    session.execute(
        update(Message)
        .where(
            Message.channel_id == channel_id,
            Message.ts == ts,
            Message.wait_kind == MENTION,
            Message.answered_at.is_(None),
            ~select(MessageMention.user_id)
            .where(MessageMention.channel_id == channel_id, MessageMention.message_ts == ts)
            .exists(),
            ~select(MessageGroupMention.group_id)
            .where(
                MessageGroupMention.channel_id == channel_id,
                MessageGroupMention.message_ts == ts,
                MessageGroupMention.state != GroupMentionState.UNREADABLE,
            )
            .exists(),
        )
        .values(wait_kind=None, answer_side=None, sla_due_at=None, unanswered_due_at=None)
    )


def expect_side(
    session: Session,
    channel_id: str,
    ts: str,
    *,
    side: str,
    sla_due_at: datetime,
    unanswered_due_at: datetime,
) -> None:
    """The side expected to answer an unanswered message that had none, with its windows."""
    session.execute(
        update(Message)
        .where(
            Message.channel_id == channel_id,
            Message.ts == ts,
            Message.answered_at.is_(None),
            Message.answer_side.is_(None),
        )
        .values(answer_side=side, sla_due_at=sla_due_at, unanswered_due_at=unanswered_due_at)
    )
