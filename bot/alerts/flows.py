"""Posting alerts: each finding moves its rule's state for its subject, and the move is posted.

The clock claims each rule once per hour; a finding then moves its (rule, subject) state with a
conditional UPDATE: OK → breaching posts the alert, breaching → OK posts the recovery, and a
breach that lasts is posted again at most once per BATON_ALERT_REPEAT. A post Slack refuses
undoes its state change, so the next hour tries again; one that a whole run could not learn the
fate of (every try lost, and the looking too) is noted, and the next run looks for it first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.alerts.blocks import build_alert_message, build_summary_message
from bot.alerts.evaluate import EVALUATORS, ITEM_RULES, Context
from bot.alerts.rules import RECOVER, REPEAT, START, Finding, next_step
from bot.core.formatting import Unit
from bot.runtime.posts import post_once
from bot.runtime.services import Services
from bot.runtime.slack_client import error_code, may_have_reached_slack
from storage import alerts as store
from storage import unsure_posts

log = logging.getLogger(__name__)

# At most this many alerts about single items go out per rule and evaluation; the rest are
# counted in one more message, so years of forgotten blockers never flood the channel.
MAX_ITEM_POSTS = 5
# An alert a run could not learn the fate of is looked for by the runs of the next day; a note
# older than that belongs to an episode long over, and another post is the lesser harm.
LOOK_FOR_UNSURE = timedelta(days=1)


class NotPosted(Exception):
    """Some of a rule's posts went nowhere; their state changes were undone."""


@dataclass(frozen=True)
class _Move:
    """A state change to make and post: a breach, a repeat or a recovery."""

    finding: Finding
    step: str
    state: Any  # the AlertState as read, or None for a subject never seen
    since: datetime


def _moves(ctx: Context, rule: str) -> list[_Move]:
    """What the rule's findings change; values of unchanged states are noted on the way."""
    services, now = ctx.services, ctx.now
    settings = services.settings
    findings = EVALUATORS[rule](ctx)
    with services.db.reading() as session:
        known = store.states(session, rule)
    moves = []
    seen = set()
    unchanged: list[Finding] = []
    for finding in findings:
        seen.add(finding.subject)
        state = known.get(finding.subject)
        repeat_due = None
        if state is not None and state.last_posted_at and settings.alerts.repeat is not None:
            repeat_due = settings.alerts.repeat.after(state.last_posted_at, settings.calendar)
        step = next_step(
            breaching_since=state.breaching_since if state else None,
            breaching=finding.breaching,
            repeat_due=repeat_due,
            now=now,
        )
        if step is None:
            if state is not None:
                unchanged.append(finding)
            continue
        since = (state.breaching_since if state and step == REPEAT else None) or now
        moves.append(_Move(finding, step, state, since))
    if unchanged:
        with services.db.unit_of_work() as session:
            for finding in unchanged:
                store.note_value(
                    session, rule=rule, subject=finding.subject, value=finding.value, now=now
                )
    if rule in ITEM_RULES:
        gone = sorted(
            (state for subject, state in known.items() if subject not in seen),
            key=lambda state: _number(state.subject),
        )
        for state in gone:
            if state.breaching_since is not None:
                recovered = _recovered_item(rule, state.subject, state.last_value)
                moves.append(_Move(recovered, RECOVER, state, now))
    return moves


def _number(subject: str) -> int:
    tail = subject.partition(":")[2]
    return int(tail) if tail.isdigit() else 0


def apply_rule(ctx: Context, rule: str) -> None:
    failures = 0
    groups: dict[str, list[_Move]] = {}
    for move in _moves(ctx, rule):
        groups.setdefault(move.step, []).append(move)
    for step, moves in groups.items():
        alone = moves[:MAX_ITEM_POSTS] if rule in ITEM_RULES else moves
        for move in alone:
            if not _transition(ctx, move):
                failures += 1
        rest = moves[len(alone) :]
        if rest and not _summarize(ctx, rule, step, rest):
            failures += 1
    if failures:
        # The claim is given back: the next tick tries the posts that did not go out.
        raise NotPosted(f"{failures} alert post(s) for {rule} failed")


def _recovered_item(rule: str, subject: str, value: float | None) -> Finding:
    kind, _, number = subject.partition(":")
    what = "Blocker" if kind == "blocker" else "Escalation"
    verb = "resolved" if kind == "blocker" else "acknowledged or resolved"
    return Finding(
        rule=rule,
        subject=subject,
        breaching=False,
        title=f"{what} #{number} {verb}",
        value=None,
        threshold=0.0,
        unit=Unit.SECONDS,
        extra={"previous": value},
    )


def _move_state(ctx: Context, move: _Move) -> bool:
    """Make the state change; False when another clock made it first (and posts it)."""
    now = ctx.now
    finding = move.finding
    rule, subject, value = finding.rule, finding.subject, finding.value
    team_id = ctx.services.team_id
    with ctx.services.db.unit_of_work() as session:
        if move.step == START:
            return store.start_breach(
                session, team_id=team_id, rule=rule, subject=subject, value=value, now=now
            )
        if move.step == RECOVER:
            return store.recover(session, rule=rule, subject=subject, value=value, now=now)
        return store.repeat_breach(
            session,
            rule=rule,
            subject=subject,
            value=value,
            now=now,
            last_posted_at=move.state.last_posted_at,
        )


def _undo(ctx: Context, move: _Move) -> None:
    with ctx.services.db.unit_of_work() as session:
        store.restore(
            session,
            rule=move.finding.rule,
            subject=move.finding.subject,
            breaching_since=move.state.breaching_since if move.state else None,
            last_posted_at=move.state.last_posted_at if move.state else None,
            changed_at=ctx.now,
        )


def _transition(ctx: Context, move: _Move) -> bool:
    """Move the state, post, and undo the move when no channel got the post; False then."""
    if not _move_state(ctx, move):
        return True
    if post_alert(ctx.services, move.finding, move.step, move.since):
        return True
    _undo(ctx, move)
    return False


def _summarize(ctx: Context, rule: str, step: str, moves: list[_Move]) -> bool:
    """Move many item states at once and post one message counting them."""
    moved = [move for move in moves if _move_state(ctx, move)]
    if not moved:
        return True
    message = build_summary_message(rule, step, [move.finding for move in moved])
    if _post(ctx.services, message, f"{rule}/{step} summary"):
        return True
    for move in moved:
        _undo(ctx, move)
    return False


def post_alert(services: Services, finding: Finding, step: str, since: datetime) -> bool:
    """Post to every alert channel; True if at least one took it."""
    message = build_alert_message(finding, step=step, since=since)
    return _post(services, message, f"{finding.rule}/{finding.subject} {step}")


def _post(services: Services, message: dict[str, Any], what: str) -> bool:
    delivered = False
    ref = f"alert:{what}"
    for channel in services.settings.alerts.channels:
        # A run whose every try ended not knowing whether Slack took the alert (nor finding it)
        # left a note: this run looks for it first, from that run's first try.
        looked_after = services.now() - LOOK_FOR_UNSURE
        with services.db.reading() as session:
            since = unsure_posts.unsure_since(
                session, ref=ref, channel_id=channel, after=looked_after
            )
        started = services.now()
        try:
            # Tagged, so that a try whose answer is lost is looked for before the next one.
            post_once(services, ref=ref, channel=channel, since=since, **message)
        except Exception as exc:
            log.warning("alert %s not posted to %s: %s", what, channel, error_code(exc))
            if may_have_reached_slack(exc):
                team_id = services.team_id
                with services.db.unit_of_work() as session:
                    unsure_posts.remember(
                        session,
                        team_id=team_id,
                        ref=ref,
                        channel_id=channel,
                        since=since or started,
                        stale_before=looked_after,
                    )
            continue
        delivered = True
        if since is not None:
            with services.db.unit_of_work() as session:
                unsure_posts.forget(session, ref=ref, channel_id=channel)
    return delivered
