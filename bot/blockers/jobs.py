"""One reminder for each blocker still open past the blocker SLA."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from slack_sdk.errors import SlackApiError

from bot.blockers import blocks, rules
from bot.blockers.flows import card_of
from bot.blockers.rules import BlockerCard
from bot.runtime.scheduler import Work, run_once
from bot.runtime.services import Services
from bot.runtime.slack_client import error_code, is_transient, log_failure
from storage import blockers as store
from storage.statuses import BlockerStatus

log = logging.getLogger(__name__)

JOB = "blocker_overdue"
SUBJECT_PREFIX = "blocker:"
PERIOD = "sla"


def overdue_work(blocker_id: int) -> Work:
    """The claim that makes a blocker's overdue reminder go out once."""
    return Work(JOB, f"{SUBJECT_PREFIX}{blocker_id}", PERIOD)


def remind_overdue_blockers(services: Services, now: datetime) -> None:
    """Remind, once, about every open blocker past its SLA at `now`, however late the clock runs."""
    settings = services.settings
    # Working time never runs faster than the wall clock: nothing raised after this is due yet.
    cutoff = now - timedelta(seconds=settings.blockers.sla.business_seconds(settings.calendar))
    with services.db.reading() as session:
        candidates = [
            card_of(row)
            for row in store.open_unclaimed_before(
                session, created_before=cutoff, job=JOB, subject_prefix=SUBJECT_PREFIX
            )
        ]
    for card in candidates:
        if not rules.is_overdue(card.created_at, now, settings.blockers.sla, settings.calendar):
            continue
        try:
            run_once(services, overdue_work(card.id), partial(_remind, services, card.id))
        except Exception as error:
            # One blocker's failure must not hold back the others; its claim was given back.
            log_failure(
                log, error, "overdue reminder for blocker %s failed; retrying next tick", card.id
            )


def _remind(services: Services, blocker_id: int) -> None:
    with services.db.reading() as session:
        row = store.get_blocker(session, blocker_id)
        if row is None or row.status != BlockerStatus.OPEN:
            return
        card = card_of(row)
    sla = services.settings.blockers.sla
    if card.channel_id and card.message_ts:
        try:
            services.client.chat_postMessage(
                channel=card.channel_id,
                thread_ts=card.message_ts,
                **blocks.build_overdue_reminder(card, sla),
            )
            return
        except SlackApiError as exc:
            _give_up_unless_transient(card, exc)
    _dm_reporter(services, card)


def _dm_reporter(services: Services, card: BlockerCard) -> None:
    message = blocks.build_overdue_dm(card, services.settings.blockers.sla)
    try:
        services.client.chat_postMessage(channel=card.reporter_id, **message)
    except SlackApiError as exc:
        _give_up_unless_transient(card, exc)
        log.warning("overdue reminder for blocker %s not delivered: %s", card.id, error_code(exc))


def _give_up_unless_transient(card: BlockerCard, exc: SlackApiError) -> None:
    """Re-raise a passing failure (the claim is released and the next tick retries)."""
    if is_transient(exc):
        raise exc
    log.info("overdue reminder for blocker %s: Slack answered %s", card.id, error_code(exc))
