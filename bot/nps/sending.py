"""Sending survey DMs and reminders at a bounded rate, each claimed in the database first.

Slack allows chat.postMessage about once a second per channel and, above that, a
workspace-wide rate: a round for 2,000 people is spread at BATON_NPS_SEND_PER_MINUTE, and a
429 pauses every send for its Retry-After; a 5xx or a dropped connection (past the client's own
retries) puts that DM back for 15 seconds, Slack being unwell rather than the person
unreachable, and only a refusal (`cannot_dm_bot`, …) counts as an attempt. Each invitation is
claimed (pending → sending) and committed before its DM goes, and marked sent after: a second
clock, or a clock restarted half-way, picks up exactly the invitations nobody has claimed. A
process killed in the instant between a claim and Slack's answer leaves one claim behind; it
is counted as sent, never sent again (at most once, like every scheduled message of Baton).

The clock does not send: when DMs are due it puts one `nps.send` task in the outbox (never two
at once, however many clocks), and whichever drainer takes it sends one DM and asks to run
again when the rate allows the next, so survey DMs never hold up other Slack work for long.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.core.ids import OutboxKind
from bot.nps import rules
from bot.nps.blocks import build_invitation, build_reminder
from bot.nps.flows import info
from bot.nps.rules import RoundInfo
from bot.runtime.outbox import promise_once
from bot.runtime.services import Services
from bot.runtime.slack_client import error_code, is_rate_limited, is_transient, retry_after
from storage import nps as store

log = logging.getLogger(__name__)

# A refused DM is tried once more this much later, then counted as undeliverable.
RETRY_DELAY = timedelta(minutes=30)
# A DM that met a 5xx or a dropped connection is tried again this much later, however often.
UNWELL_DELAY = timedelta(seconds=15)
MAX_ATTEMPTS = 2
# A claim older than this belongs to a process that died mid-send.
STALE_CLAIM = timedelta(minutes=10)
_BATCH = 50
_NAP = 0.25  # seconds: how often a waiting sender looks whether it should stop

StopFlag = Callable[[], bool]


class Pacer:
    """Spaces sends evenly at `per_minute`, and holds them all while Slack asks for a pause."""

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 60.0 / per_minute
        self._clock = clock
        self._sleep = sleep
        self._next = clock()

    def wait(self, should_stop: StopFlag) -> bool:
        """Sleep until the next send may go; False if told to stop meanwhile."""
        while True:
            if should_stop():
                return False
            left = self._next - self._clock()
            if left <= 0:
                break
            self._sleep(min(left, _NAP))
        self._next = max(self._next, self._clock()) + self.interval
        return True

    def pause(self, seconds: float) -> None:
        """Send nothing for `seconds`."""
        self._next = max(self._next, self._clock() + seconds)

    def seconds_to_next(self) -> float:
        """How long until the next send may go."""
        return max(0.0, self._next - self._clock())


@dataclass
class Delivery:
    """What one run of the sender did."""

    sent: int = 0
    excluded: int = 0
    refused: int = 0
    rate_limited: int = 0
    unwell: int = 0
    reminded: int = 0
    rounds: dict[int, RoundInfo] = field(default_factory=dict)


def _round(services: Services, delivery: Delivery, round_id: int) -> RoundInfo | None:
    if round_id not in delivery.rounds:
        with services.db.reading() as session:
            row = store.get_round(session, round_id)
            if row is None:
                return None
            delivery.rounds[round_id] = info(row)
    return delivery.rounds[round_id]


# -- one invitation ------------------------------------------------------------------------


def _refused(services: Services, invitation_id: int, error: Exception, delivery: Delivery) -> None:
    code = error_code(error)
    with services.db.unit_of_work() as session:
        gave_up = store.mark_refused(
            session,
            invitation_id,
            error=code,
            retry_at=services.now() + RETRY_DELAY,
            max_attempts=MAX_ATTEMPTS,
        )
    delivery.refused += 1
    log.info(
        "NPS invitation %s refused (%s)%s",
        invitation_id,
        code,
        "; undeliverable" if gave_up else "; trying again later",
    )


def _rate_limited(
    services: Services, invitation_id: int, error: SlackApiError, pacer: Pacer, delivery: Delivery
) -> None:
    wait = retry_after(error)
    with services.db.unit_of_work() as session:
        store.release_for_later(
            session,
            invitation_id,
            retry_at=services.now() + timedelta(seconds=wait),
            error="ratelimited",
        )
    pacer.pause(wait)
    delivery.rate_limited += 1
    log.warning("Slack rate-limited the NPS DMs; pausing %.0f s", wait)


def _unwell(services: Services, invitation_id: int, error: Exception, delivery: Delivery) -> None:
    # A 5xx or a dropped connection the client's own retries did not get past: Slack is unwell,
    # the person did not refuse. Tried again soon, and not counted as an attempt.
    code = error_code(error)
    with services.db.unit_of_work() as session:
        store.release_for_later(
            session, invitation_id, retry_at=services.now() + UNWELL_DELAY, error=code
        )
    delivery.unwell += 1
    log.warning("NPS invitation %s not sent (%s); trying again shortly", invitation_id, code)


def _try(
    services: Services,
    invitation_id: int,
    pacer: Pacer,
    delivery: Delivery,
    call: Callable[[], SlackResponse],
) -> SlackResponse | None:
    """Slack's answer to `call`; None when it failed, the invitation then put back for later
    (a 429, honouring its Retry-After; a 5xx or a dropped connection) or counted as refused."""
    try:
        return call()
    except Exception as error:
        if is_rate_limited(error):
            assert isinstance(error, SlackApiError)
            _rate_limited(services, invitation_id, error, pacer, delivery)
        elif is_transient(error):
            _unwell(services, invitation_id, error, delivery)
        else:
            _refused(services, invitation_id, error, delivery)
    return None


def send_invitation(
    services: Services, invitation_id: int, pacer: Pacer, delivery: Delivery
) -> None:
    """Claim one invitation, check it is a person, send the survey DM, record the outcome."""
    with services.db.unit_of_work() as session:
        claimed = store.claim_send(session, invitation_id, now=services.now())
    if claimed is None:
        return
    user_id, round_id = claimed
    round_ = _round(services, delivery, round_id)
    assert round_ is not None
    client = services.client
    looked_up = _try(
        services, invitation_id, pacer, delivery, lambda: client.users_info(user=user_id)
    )
    if looked_up is None:
        return
    person: dict[str, Any] = looked_up.get("user") or {}
    if not rules.is_person(user_id, person):
        reason = "deactivated" if person.get("deleted") else "not_a_person"
        with services.db.unit_of_work() as session:
            store.mark_excluded(session, invitation_id, reason=reason)
        delivery.excluded += 1
        return
    dm = build_invitation(round_, invitation_id)
    answer = _try(
        services,
        invitation_id,
        pacer,
        delivery,
        lambda: client.chat_postMessage(channel=user_id, **dm),
    )
    if answer is None:
        return
    with services.db.unit_of_work() as session:
        store.mark_sent(
            session,
            invitation_id,
            now=services.now(),
            channel_id=str(answer.get("channel") or user_id),
            message_ts=str(answer.get("ts") or ""),
        )
    delivery.sent += 1


# -- one reminder --------------------------------------------------------------------------


def send_reminder(
    services: Services, invitation_id: int, due: int, pacer: Pacer, delivery: Delivery
) -> None:
    """Claim reminder number `due` of an invitation and send it, once."""
    with services.db.unit_of_work() as session:
        before = store.claim_reminder(session, invitation_id, due=due)
        if before is None:
            return
        invitation = store.get_invitation(session, invitation_id)
        assert invitation is not None
        target = invitation.channel_id or invitation.user_id
        round_id = invitation.round_id
    round_ = _round(services, delivery, round_id)
    assert round_ is not None
    try:
        services.client.chat_postMessage(channel=target, **build_reminder(round_))
    except SlackApiError as error:
        if is_rate_limited(error):
            with services.db.unit_of_work() as session:
                store.release_reminder(session, invitation_id, due=due, before=before)
            pacer.pause(retry_after(error))
            delivery.rate_limited += 1
            return
        # A reminder is a courtesy: one Slack refuses is not tried again.
        log.info("NPS reminder %s not sent: %s", invitation_id, error_code(error))
        return
    except Exception as error:
        log.info("NPS reminder %s not sent: %s", invitation_id, error_code(error))
        return
    delivery.reminded += 1


# -- the loop ------------------------------------------------------------------------------


def reminders_due_now(services: Services, now: datetime) -> list[tuple[int, int]]:
    """(round, reminders due) for each open round with a reminder due, inside working hours."""
    settings = services.settings
    if not settings.nps.reminder_days or not settings.calendar.is_working_time(now):
        return []
    with services.db.reading() as session:
        rounds = [info(row) for row in store.open_rounds(session)]
    due = []
    for round_ in rounds:
        count = rules.reminders_due(
            round_.started_at, round_.ends_at, settings.nps.reminder_days, settings.calendar, now
        )
        if count:
            due.append((round_.id, count))
    return due


def has_work(services: Services, now: datetime) -> bool:
    """Whether an invitation or a reminder is waiting to be sent."""
    with services.db.unit_of_work() as session:
        store.settle_stale_sends(session, claimed_before=now - STALE_CLAIM)
        if store.anything_to_send(session, now=now):
            return True
    due = reminders_due_now(services, now)
    with services.db.reading() as session:
        return any(store.anyone_to_remind(session, r, due=count) for r, count in due)


def deliver(
    services: Services,
    *,
    should_stop: StopFlag = lambda: False,
    pacer: Pacer | None = None,
    limit: int | None = None,
) -> Delivery:
    """Send every due invitation, then every due reminder, paced; return what was done.

    With a `limit`, stop after that many invitations and reminders were tried.
    """
    pacer = pacer or Pacer(services.settings.nps.send_per_minute)
    delivery = Delivery()
    tried = 0

    def enough() -> bool:
        return should_stop() or (limit is not None and tried >= limit)

    with services.db.unit_of_work() as session:
        store.settle_stale_sends(session, claimed_before=services.now() - STALE_CLAIM)
    while not enough():
        with services.db.reading() as session:
            invitations = store.due_to_send(session, now=services.now(), limit=_BATCH)
        for invitation_id in invitations:
            if not pacer.wait(enough):
                return delivery
            send_invitation(services, invitation_id, pacer, delivery)
            tried += 1
        if invitations:
            continue
        reminders: list[tuple[int, int]] = []
        for round_id, due in reminders_due_now(services, services.now()):
            with services.db.reading() as session:
                found = store.due_to_remind(session, round_id, due=due, limit=_BATCH)
            reminders.extend((invitation_id, due) for invitation_id in found)
        if not reminders:
            return delivery
        for invitation_id, due in reminders:
            if not pacer.wait(enough):
                return delivery
            send_reminder(services, invitation_id, due, pacer, delivery)
            tried += 1
    return delivery


# -- through the outbox --------------------------------------------------------------------


def promise_sending(services: Services, now: datetime) -> None:
    """Clock job: when DMs or reminders are due, put the one `nps.send` task in the outbox."""
    if not has_work(services, now):
        return
    team_id = services.team_id
    with services.db.unit_of_work() as session:
        promise_once(services, session, OutboxKind.NPS_SEND, team_id=team_id)


def send_task(services: Services, payload: dict[str, Any]) -> datetime | None:
    """The outbox task: send one DM or reminder; run again when the rate allows the next."""
    pacer = Pacer(services.settings.nps.send_per_minute)
    done = deliver(services, pacer=pacer, limit=1)
    if done.sent or done.reminded or done.refused or done.excluded:
        log.info(
            "NPS: %s DM sent, %s reminder, %s refused, %s not a person",
            done.sent,
            done.reminded,
            done.refused,
            done.excluded,
        )
    now = services.now()
    if not has_work(services, now):
        return None
    wait = max(pacer.interval, pacer.seconds_to_next())
    return now + timedelta(seconds=wait)
