"""Messages that mention a user group Baton could not read when they came (Slack did not answer
in time): once the clock has read the group, they wait for its members as they were when the
message was posted, and the first later message of one of them answers it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from bot.latency import rules
from bot.latency.groups import (
    keep_reading,
    read_from_slack,
    read_groups_again,
    reading_at,
)
from bot.latency.timing import Timing
from bot.runtime.services import Services
from bot.runtime.sides import directory
from storage import messages, usergroups
from storage.messages import Waiter
from storage.statuses import GroupMentionState
from storage.usergroups import Pending, Reading

log = logging.getLogger(__name__)


def read_groups(
    services: Services, groups: Mapping[str, str], now: datetime
) -> dict[str, list[Reading]]:
    """Read each group (id → workspace id) from Slack and keep what changed; the groups Slack
    did not answer for now are left out, to be read at the next tick."""
    read: list[str] = []
    for group, team_id in groups.items():
        try:
            readable, members = read_from_slack(services.client, group)
        except Exception:
            log.warning("user group %s not read; the next tick tries again", group, exc_info=True)
            continue
        keep_reading(
            services.db, group, team_id=team_id, readable=readable, members=members, now=now
        )
        read.append(group)
    read_groups_again(services)
    with services.db.reading() as session:
        return usergroups.readings(session, read)


def settle_pending(services: Services, now: datetime) -> int:
    """Read the groups of the pending mentions and settle each mention; how many were settled."""
    with services.db.reading() as session:
        found = usergroups.pending(session)
    if not found:
        return 0
    readings = read_groups(services, {item.group_id: item.team_id for item in found}, now)
    timing = Timing.from_settings(services.settings)
    sides = directory(services)
    members = sides.snapshot()
    settled = 0
    for item in found:
        reading = reading_at(readings.get(item.group_id, []), item.posted_at)
        if reading is not None:
            _settle(services, item, reading, timing, members, sides.sides)
            settled += 1
    return settled


def _settle(
    services: Services,
    item: Pending,
    reading: Reading,
    timing: Timing,
    members: Mapping[str, str],
    sides: tuple[str, ...],
) -> None:
    waiter = Waiter(item.channel_id, item.ts, item.posted_at, rules.MENTION)
    state = GroupMentionState.EXPANDED if reading.readable else GroupMentionState.UNREADABLE
    with services.db.unit_of_work() as session:
        if not usergroups.set_state(
            session, channel_id=item.channel_id, ts=item.ts, group_id=item.group_id, state=state
        ):
            return  # another clock settled it
        if not reading.readable:
            messages.wait_for_nobody(session, item.channel_id, item.ts)
            return
        waited = sorted(reading.members - {item.user_id})
        found = messages.add_waited_for(session, waiter, waited)
        if found is None:
            return
        _, reply = found
        expected = rules.expected_side(
            item.author_side, [members.get(user) for user in waited], sides
        )
        if expected is not None:
            sla_due, unanswered_due = timing.deadlines(item.posted_at, expected)
            messages.expect_side(
                session,
                item.channel_id,
                item.ts,
                side=expected,
                sla_due_at=sla_due,
                unanswered_due_at=unanswered_due,
            )
        if reply is not None:
            answer = timing.answer(item.posted_at, reply, members.get(reply.user_id))
            messages.set_answers(session, [(waiter, answer)])
