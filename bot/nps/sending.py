"""Sending survey DMs and reminders at a bounded rate, each claimed in the database first.

Slack allows chat.postMessage about once a second per channel and, above that, a
workspace-wide rate: a round for 2,000 people is spread at BATON_NPS_SEND_PER_MINUTE, and a
429 pauses every send for its Retry-After. Each invitation is claimed (pending → sending) and
committed before its DM goes, and marked sent after: a second clock, or a clock restarted
half-way, picks up exactly the invitations nobody has claimed. A process killed in the instant
between a claim and Slack's answer leaves one claim behind; it is counted as sent, never sent
again (at most once, like every scheduled message of Baton).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.blocks.nps import build_invitation, build_reminder
from bot.nps import rules
from bot.nps.flows import info, slack_error
from bot.nps.rules import RoundInfo
from bot.services import Services
from storage import nps as store

log = logging.getLogger(__name__)

# A refused DM is tried once more this much later, then counted as undeliverable.
RETRY_DELAY = timedelta(minutes=30)
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


@dataclass
class Delivery:
    """What one run of the sender did."""

    sent: int = 0
    excluded: int = 0
    refused: int = 0
    rate_limited: int = 0
    reminded: int = 0
    rounds: dict[int, RoundInfo] = field(default_factory=dict)


def _retry_after(error: SlackApiError) -> float:
    headers: Any = error.response.headers or {}
    try:
        return float(headers.get("Retry-After") or headers.get("retry-after") or 1)
    except (TypeError, ValueError):
        return 1.0


def _is_rate_limited(error: Exception) -> bool:
    return isinstance(error, SlackApiError) and (
        error.response.status_code == 429 or error.response.get("error") == "ratelimited"
    )


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
    code = slack_error(error)
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
    wait = _retry_after(error)
    with services.db.unit_of_work() as session:
        store.release_rate_limited(
            session, invitation_id, retry_at=services.now() + timedelta(seconds=wait)
        )
    pacer.pause(wait)
    delivery.rate_limited += 1
    log.warning("Slack rate-limited the NPS DMs; pausing %.0f s", wait)


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
    try:
        person: dict[str, Any] = services.client.users_info(user=user_id).get("user") or {}
    except SlackApiError as error:
        if _is_rate_limited(error):
            _rate_limited(services, invitation_id, error, pacer, delivery)
        else:
            _refused(services, invitation_id, error, delivery)
        return
    except Exception as error:
        _refused(services, invitation_id, error, delivery)
        return
    if not rules.is_person(user_id, person):
        reason = "deactivated" if person.get("deleted") else "not_a_person"
        with services.db.unit_of_work() as session:
            store.mark_excluded(session, invitation_id, reason=reason)
        delivery.excluded += 1
        return
    try:
        answer = services.client.chat_postMessage(
            channel=user_id, **build_invitation(round_, invitation_id)
        )
    except SlackApiError as error:
        if _is_rate_limited(error):
            _rate_limited(services, invitation_id, error, pacer, delivery)
        else:
            _refused(services, invitation_id, error, delivery)
        return
    except Exception as error:
        _refused(services, invitation_id, error, delivery)
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
        if _is_rate_limited(error):
            with services.db.unit_of_work() as session:
                store.release_reminder(session, invitation_id, due=due, before=before)
            pacer.pause(_retry_after(error))
            delivery.rate_limited += 1
            return
        # A reminder is a courtesy: one Slack refuses is not tried again.
        log.info("NPS reminder %s not sent: %s", invitation_id, slack_error(error))
        return
    except Exception as error:
        log.info("NPS reminder %s not sent: %s", invitation_id, slack_error(error))
        return
    delivery.reminded += 1


# -- the loop ------------------------------------------------------------------------------


def reminders_due_now(services: Services, now: datetime) -> list[tuple[int, int]]:
    """(round, reminders due) for each open round with a reminder due, inside working hours."""
    settings = services.settings
    if not settings.nps_reminder_days or not rules.in_working_hours(settings.calendar, now):
        return []
    with services.db.reading() as session:
        rounds = [info(row) for row in store.open_rounds(session)]
    due = []
    for round_ in rounds:
        count = rules.reminders_due(
            round_.started_at, round_.ends_at, settings.nps_reminder_days, settings.calendar, now
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
    services: Services, *, should_stop: StopFlag = lambda: False, pacer: Pacer | None = None
) -> Delivery:
    """Send every due invitation, then every due reminder, paced; return what was done."""
    pacer = pacer or Pacer(services.settings.nps_send_per_minute)
    delivery = Delivery()
    with services.db.unit_of_work() as session:
        store.settle_stale_sends(session, claimed_before=services.now() - STALE_CLAIM)
    while not should_stop():
        with services.db.reading() as session:
            invitations = store.due_to_send(session, now=services.now(), limit=_BATCH)
        for invitation_id in invitations:
            if not pacer.wait(should_stop):
                return delivery
            send_invitation(services, invitation_id, pacer, delivery)
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
            if not pacer.wait(should_stop):
                return delivery
            send_reminder(services, invitation_id, due, pacer, delivery)
    return delivery


# -- the clock's sender thread -------------------------------------------------------------

_senders: dict[int, threading.Thread] = {}
_senders_lock = threading.Lock()
_stopping = threading.Event()


def send_invitations(services: Services, now: datetime) -> None:
    """Clock job: start this process's sender when DMs are due; one sender per process.

    The sender runs in its own thread so that a 40-minute round never holds up the other jobs.
    """
    if not has_work(services, now):
        return
    with _senders_lock:
        running = _senders.get(id(services))
        if running is not None and running.is_alive():
            return
        thread = threading.Thread(
            target=_run_sender, args=(services,), name="baton-nps-sender", daemon=True
        )
        _senders[id(services)] = thread
        thread.start()


def _run_sender(services: Services) -> None:
    try:
        done = deliver(services, should_stop=_stopping.is_set)
    except Exception:
        log.exception("NPS sender stopped; the next tick starts it again")
        return
    if done.sent or done.reminded or done.refused:
        log.info(
            "NPS sender: %s DMs sent, %s reminders, %s refused, %s not people",
            done.sent,
            done.reminded,
            done.refused,
            done.excluded,
        )


def wait_for_sender(services: Services, timeout: float = 30.0) -> bool:
    """Block until this process's sender for `services` is done (tests, shutdown)."""
    with _senders_lock:
        thread = _senders.get(id(services))
    if thread is None:
        return True
    thread.join(timeout)
    return not thread.is_alive()


@atexit.register
def _stop_senders() -> None:
    # Stop between two sends rather than be cut off in the middle of one.
    _stopping.set()
    with _senders_lock:
        threads = list(_senders.values())
    for thread in threads:
        thread.join(timeout=5)
