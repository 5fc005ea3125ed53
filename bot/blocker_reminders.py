"""One reminder for each blocker still open past the blocker SLA."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from slack_sdk.errors import SlackApiError

from bot import blockers as rules
from bot.blocker_flows import card_of
from bot.blockers import BlockerCard
from bot.blocks import blockers as blocks
from bot.scheduler import Work, run_once
from bot.services import Services
from bot.slack_client import error_code
from storage import blockers as store

log = logging.getLogger(__name__)

JOB = "blocker_overdue"
SUBJECT_PREFIX = "blocker:"
PERIOD = "sla"

# Slack errors worth another try on the next tick; any other refusal will not change by itself.
_TRANSIENT = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def overdue_work(blocker_id: int) -> Work:
    """The claim that makes a blocker's overdue reminder go out once."""
    return Work(JOB, f"{SUBJECT_PREFIX}{blocker_id}", PERIOD)


def remind_overdue_blockers(services: Services, now: datetime) -> None:
    """Remind, once, about every open blocker past its SLA at `now`, however late the clock runs."""
    settings = services.settings
    # Working time never runs faster than the wall clock: nothing raised after this is due yet.
    cutoff = now - timedelta(seconds=settings.blocker_sla.business_seconds(settings.calendar))
    with services.db.reading() as session:
        candidates = [
            card_of(row)
            for row in store.open_unclaimed_before(
                session, created_before=cutoff, job=JOB, subject_prefix=SUBJECT_PREFIX
            )
        ]
    for card in candidates:
        if not rules.is_overdue(card.created_at, now, settings.blocker_sla, settings.calendar):
            continue
        try:
            run_once(services, overdue_work(card.id), partial(_remind, services, card.id))
        except Exception:
            # One blocker's failure must not hold back the others; its claim was given back.
            log.exception("overdue reminder for blocker %s failed; retrying next tick", card.id)


def _remind(services: Services, blocker_id: int) -> None:
    with services.db.reading() as session:
        row = store.get_blocker(session, blocker_id)
        if row is None or row.status != store.OPEN:
            return
        card = card_of(row)
    sla = services.settings.blocker_sla
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
    message = blocks.build_overdue_dm(card, services.settings.blocker_sla)
    try:
        services.client.chat_postMessage(channel=card.reporter_id, **message)
    except SlackApiError as exc:
        _give_up_unless_transient(card, exc)
        log.warning("overdue reminder for blocker %s not delivered: %s", card.id, error_code(exc))


def _give_up_unless_transient(card: BlockerCard, exc: SlackApiError) -> None:
    """Re-raise a passing failure (the claim is released and the next tick retries)."""
    error = error_code(exc)
    status = getattr(exc.response, "status_code", 200)
    if error in _TRANSIENT or status == 429 or status >= 500:
        raise exc
    log.info("overdue reminder for blocker %s: Slack answered %s", card.id, error)
