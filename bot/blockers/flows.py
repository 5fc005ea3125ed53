"""Blocker flows: record and post, resolve, list; the database and Slack calls in order."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.blockers import blocks, rules
from bot.blockers.rules import AlreadyResolved, BlockerCard, BlockerRequest
from bot.core.errors import NotAllowed, NotFound
from bot.core.ids import OutboxKind
from bot.runtime.outbox import promise, unsure_since
from bot.runtime.posts import post_once
from bot.runtime.replies import Tell, tell_if_possible, teller
from bot.runtime.services import Services
from bot.runtime.slack_client import error_code, is_permanent
from bot.runtime.workspaces import note_if_elsewhere
from storage import blockers as store
from storage.models import Blocker
from storage.statuses import WaitTarget

log = logging.getLogger(__name__)


def card_of(row: Blocker) -> BlockerCard:
    """The plain values of a blocker row."""
    # In the order they were named: the relationship itself comes back in whatever order.
    waits = sorted(row.waits_on, key=lambda wait: wait.id)
    return BlockerCard(
        id=row.id,
        text=row.text,
        reporter_id=row.reporter_id,
        source_channel_id=row.source_channel_id,
        created_at=row.created_at,
        status=row.status,
        waits_on_users=tuple(w.target_id for w in waits if w.kind == WaitTarget.USER),
        waits_on_channels=tuple(w.target_id for w in waits if w.kind == WaitTarget.CHANNEL),
        channel_id=row.channel_id,
        message_ts=row.message_ts,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        resolution_note=row.resolution_note,
    )


def post_channel(services: Services, card: BlockerCard) -> str:
    """Where a blocker is posted: the blocker channel if set, else where it was raised."""
    return services.settings.blockers.channel or card.source_channel_id


def record(
    services: Services,
    *,
    team_id: str,
    reporter_id: str,
    channel_id: str,
    request: BlockerRequest,
    reply: dict[str, Any],
    confirm: bool = False,
) -> BlockerCard:
    """Store a new open blocker with whom it waits on, and promise its post."""
    with services.db.unit_of_work() as session:
        row = store.create_blocker(
            session,
            team_id=team_id,
            text=request.text,
            reporter_id=reporter_id,
            source_channel_id=channel_id,
            now=services.now(),
            waits_on_users=request.waits_on_users,
            waits_on_channels=request.waits_on_channels,
        )
        card = card_of(row)
        promise(
            services,
            session,
            OutboxKind.BLOCKER_POST,
            team_id=team_id,
            blocker_id=card.id,
            reply=reply,
            confirm=confirm,
        )
    return card


def post(services: Services, blocker_id: int, tell: Tell, *, confirm: bool = False) -> bool:
    """Post the blocker's message and remember where; tell the reporter if Slack refuses.

    A passing Slack error raises, so the outbox tries again; once posted, a retry does not
    post twice. With `confirm` (the modal path), the reporter is told the number afterwards.
    """
    card = _load(services, blocker_id)
    if card.message_ts is None:
        target = post_channel(services, card)
        message = blocks.build_blocker_message(card)
        try:
            posted = post_once(
                services,
                ref=f"blocker:{card.id}",
                channel=target,
                since=unsure_since(),
                **message,
            )
        except Exception as exc:
            if not is_permanent(exc):
                raise
            error = error_code(exc)
            log.info("blocker %s not posted in %s: %s", card.id, target, error)
            tell_if_possible(
                tell, blocks.build_post_failed(card, target, error), f"blocker {card.id}"
            )
            return False
        with services.db.unit_of_work() as session:
            store.set_posted(session, card.id, channel_id=posted.channel, message_ts=posted.ts)
        card = _load(services, card.id)
        if card.is_resolved:
            # Resolved while the message was on its way: show that, not a dead button.
            update_message(services, card.id, resolver_id=None)
    if confirm and card.channel_id:
        tell_if_possible(
            tell, blocks.build_confirmation(card, card.channel_id)["text"], f"blocker {card.id}"
        )
    return True


def post_task(services: Services, payload: dict[str, Any]) -> None:
    """The outbox task behind `record`."""
    post(
        services,
        int(payload["blocker_id"]),
        teller(services, payload["reply"]),
        confirm=bool(payload.get("confirm")),
    )


def direct_message(services: Services, user_id: str, text: str) -> bool:
    """A DM from Baton; False (logged) when Slack refuses it."""
    try:
        services.client.chat_postMessage(channel=user_id, text=text)
    except SlackApiError as exc:
        log.warning("DM to %s failed: %s", user_id, error_code(exc))
        return False
    return True


def _load(services: Services, blocker_id: int) -> BlockerCard:
    with services.db.reading() as session:
        row = store.get_blocker(session, blocker_id)
        if row is None:
            note_if_elsewhere(session, Blocker, blocker_id)
            raise NotFound(f"Blocker #{blocker_id} does not exist (any more).")
        return card_of(row)


def _already_resolved(card: BlockerCard) -> AlreadyResolved:
    by = f" by <@{card.resolved_by}>" if card.resolved_by else ""
    return AlreadyResolved(f"Blocker #{card.id} was already resolved{by}. Nothing was changed.")


def _check_may_resolve(services: Services, card: BlockerCard, user_id: str) -> None:
    allowed = rules.may_resolve(
        user_id,
        reporter_id=card.reporter_id,
        waits_on_users=card.waits_on_users,
        admins=services.settings.admins,
    )
    if not allowed:
        raise NotAllowed(rules.refusal(card.id))


def resolve_form(services: Services, blocker_id: int, user_id: str) -> dict[str, Any]:
    """The resolve modal for someone who may resolve this open blocker; refusals raise."""
    card = _load(services, blocker_id)
    _check_may_resolve(services, card, user_id)
    if card.is_resolved:
        raise _already_resolved(card)
    return blocks.build_resolve_modal(card)


def resolve(services: Services, blocker_id: int, user_id: str, note: str | None) -> BlockerCard:
    """Resolve the blocker once; NotAllowed or AlreadyResolved leave it as it was."""
    with services.db.unit_of_work() as session:
        row = store.get_blocker(session, blocker_id)
        if row is None:
            note_if_elsewhere(session, Blocker, blocker_id)
            raise NotFound(f"Blocker #{blocker_id} does not exist (any more).")
        card = card_of(row)
        _check_may_resolve(services, card, user_id)
        if not card.is_resolved and store.resolve(
            session, blocker_id, user_id=user_id, note=note, now=services.now()
        ):
            promise(
                services,
                session,
                OutboxKind.BLOCKER_UPDATE,
                team_id=row.team_id,
                blocker_id=blocker_id,
                resolver_id=user_id,
            )
            session.refresh(row)
            return card_of(row)
        session.refresh(row)
        raise _already_resolved(card_of(row))


def update_message(services: Services, blocker_id: int, *, resolver_id: str | None) -> None:
    """Edit the posted message to its resolved form; tell the resolver if Slack refuses."""
    # Read now, not at resolve time: the message may have been posted in between.
    card = _load(services, blocker_id)
    if not card.is_resolved or not card.channel_id or not card.message_ts:
        return
    message = blocks.build_resolved_message(card)
    try:
        services.client.chat_update(channel=card.channel_id, ts=card.message_ts, **message)
    except Exception as exc:
        if not is_permanent(exc):
            raise
        error = error_code(exc)
        log.info("blocker %s message not updated: %s", card.id, error)
        if resolver_id:
            direct_message(services, resolver_id, blocks.build_update_failed(card, error))


def update_task(services: Services, payload: dict[str, Any]) -> None:
    """The outbox task behind `resolve`."""
    update_message(services, int(payload["blocker_id"]), resolver_id=payload.get("resolver_id"))


def channel_list(services: Services, channel_id: str) -> dict[str, Any]:
    """Open blockers raised in or posted to the channel, oldest first."""
    with services.db.reading() as session:
        cards = [card_of(row) for row in store.open_in_channel(session, channel_id)]
    return blocks.build_channel_list(channel_id, cards)


def mine_list(services: Services, user_id: str) -> dict[str, Any]:
    """Open blockers the user raised or that wait on the user, oldest first, labelled."""
    with services.db.reading() as session:
        cards = [card_of(row) for row in store.open_for_user(session, user_id)]
    return blocks.build_mine_list([(card, rules.mine_label(user_id, card)) for card in cards])
