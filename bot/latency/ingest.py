"""From a message event to stored waits and answers.

What needs Slack (is this user a bot?) or a cache (who is on which side) is worked out before
the transaction; the transaction itself records the delivery and runs a few small statements
(on PostgreSQL in one or two round trips). The stored answer is the same whatever order the
events arrive in: a message is answered by the earliest candidate stored, whether the
candidate arrived before it or after.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.latency import rules
from bot.latency.groups import Mentioned, group_directory
from bot.latency.people import bot_check
from bot.latency.timing import Timing
from bot.runtime.services import Services
from bot.runtime.sides import directory
from storage import driver, messages
from storage.driver import Writer
from storage.events import Delivery, record_delivery
from storage.messages import NewMessage, Waiter
from storage.statuses import GroupMentionState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """A person's message, ready to store: its row, and what its answers need."""

    new: NewMessage
    members: Mapping[str, str]
    timing: Timing


def prepare(
    services: Services, event: Mapping[str, Any], *, team_id: str, bot_user_id: str | None
) -> Prepared | rules.Deletion | None:
    """What one message event means for latency; None when it means nothing (a bot, an edit…)."""
    read = rules.read_message_event(
        event,
        team_id,
        bot_user_id=bot_user_id,
        excluded=services.settings.latency.excluded_channels,
    )
    if read is None or isinstance(read, rules.Deletion):
        return read
    bots = bot_check(services)
    if bots.is_bot(read.user_id):
        return None
    people = tuple(user for user in read.mentions if user != bot_user_id and not bots.is_bot(user))
    groups: Mapping[str, Mentioned] = {}
    if read.groups:
        groups = group_directory(services).mentioned(
            read.groups, team_id=team_id, posted_at=read.posted_at, now=services.now()
        )
    sides = directory(services)
    members = sides.snapshot()
    timing = Timing.from_settings(services.settings)
    new = new_message(read, people, members, sides.sides, timing, groups)
    return Prepared(new, members, timing)


def receive(services: Services, body: Mapping[str, Any], *, bot_user_id: str | None) -> None:
    """Record one message event's delivery and apply it, in one transaction.

    A repeated delivery (the same event id, or the same message under another) changes nothing.
    """
    event = body.get("event") or {}
    team_id = str(body.get("team_id") or "")
    delivery = Delivery(
        event_id=str(body.get("event_id") or ""),
        team_id=team_id,
        event_type=str(event.get("type") or "message"),
        received_at=services.now(),
    )
    work = prepare(services, event, team_id=team_id, bot_user_id=bot_user_id)
    with driver.transaction(services.db, redelivered_on_failure=True) as tx:
        if isinstance(work, Prepared):
            ingest(tx, work.new, work.members, work.timing, delivery)
        elif isinstance(work, rules.Deletion):
            delete(tx, work, delivery)
        elif not record_delivery(tx, delivery):
            log.debug("repeat delivery of %s ignored", delivery.event_id)


def new_message(
    read: rules.MessageFacts,
    people: tuple[str, ...],
    members: Mapping[str, str],
    sides: tuple[str, ...],
    timing: Timing,
    groups: Mapping[str, Mentioned] | None = None,
) -> NewMessage:
    """The row of a person's message: how it waits (for the people it mentions and the members
    of the groups it mentions, never its author), its sides and windows."""
    groups = groups or {}
    waited = [*people]
    for mentioned in groups.values():
        waited += sorted(mentioned.members - {read.user_id, *waited})
    readable = sum(1 for found in groups.values() if found.state != GroupMentionState.UNREADABLE)
    kind = rules.wait_kind(
        read.thread_ts, waited, read.is_question, groups=len(groups), readable_groups=readable
    )
    author_side = members.get(read.user_id)
    expected = None
    sla_due = unanswered_due = None
    if kind is not None:
        expected = rules.expected_side(author_side, [members.get(user) for user in waited], sides)
        sla_due, unanswered_due = timing.deadlines(read.posted_at, expected)
    return NewMessage(
        team_id=read.team_id,
        channel_id=read.channel_id,
        ts=read.ts,
        thread_ts=read.thread_ts,
        user_id=read.user_id,
        posted_at=read.posted_at,
        is_question=read.is_question,
        wait_kind=kind,
        mentions=tuple(waited) if kind == rules.MENTION else (),
        author_side=author_side,
        expected_side=expected,
        sla_due_at=sla_due,
        unanswered_due_at=unanswered_due,
        groups=tuple((group, str(found.state)) for group, found in groups.items()),
    )


def ingest(
    writer: Writer,
    new: NewMessage,
    members: Mapping[str, str],
    timing: Timing,
    delivery: Delivery | None = None,
) -> None:
    """Store `new`, let it answer earlier messages, and find its own answer among later ones."""
    arrival = messages.store_message(writer, new, delivery)
    if arrival is None:
        log.debug("message %s %s seen before", new.channel_id, new.ts)
        return
    as_reply = messages.Reply(new.ts, new.user_id, new.posted_at)
    answers = [
        (waiter, timing.answer(waiter.posted_at, as_reply, new.author_side))
        for waiter in arrival.answers_to
    ]
    if arrival.reply is not None and new.wait_kind is not None:
        itself = Waiter(new.channel_id, new.ts, new.posted_at, new.wait_kind)
        side = members.get(arrival.reply.user_id)
        answers.append((itself, timing.answer(new.posted_at, arrival.reply, side)))
    messages.set_answers(writer, answers)


def delete(writer: Writer, deletion: rules.Deletion, delivery: Delivery | None = None) -> None:
    """Take a deleted message out of the figures (or wait for it, if it has not come yet)."""
    messages.mark_deleted(
        writer,
        team_id=deletion.team_id,
        channel_id=deletion.channel_id,
        ts=deletion.ts,
        posted_at=deletion.posted_at,
        delivery=delivery,
    )
