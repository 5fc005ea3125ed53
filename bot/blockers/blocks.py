"""Block Kit for blockers: the posted message, its resolved form, modals, lists, reminders."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from bot.blockers.rules import MAX_NOTE, MAX_TEXT, USAGE, BlockerCard
from bot.core.blocks import (
    Block,
    button,
    channel,
    context,
    escape,
    modal,
    plain,
    section,
    slack_date,
    text_input,
    user,
)
from bot.core.durations import Duration
from bot.core.ids import INPUT, BlockerAction, BlockerBlock, BlockerView

# Slack allows 50 blocks in a message; a list keeps room for its heading and its footer.
LIST_LIMIT = 40
LIST_TEXT_LIMIT = 300

_MENTION = re.compile(r"<([@#])([UWCG][A-Z0-9]+)(?:\|[^>]*)?>")


def blocker_text(text: str) -> str:
    """The blocker's text as mrkdwn: mentions stay mentions, anything else is shown literally."""
    parts: list[str] = []
    last = 0
    for match in _MENTION.finditer(text):
        parts.append(escape(text[last : match.start()]))
        sigil, target = match.groups()
        parts.append(user(target) if sigil == "@" else channel(target))
        last = match.end()
    parts.append(escape(text[last:]))
    return "".join(parts)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def waits_on(card: BlockerCard) -> str:
    """Whom the blocker waits on, as mentions; `nobody named` when no one."""
    targets = [user(u) for u in card.waits_on_users] + [channel(c) for c in card.waits_on_channels]
    return ", ".join(targets) if targets else "_nobody named_"


def _quote(text: str) -> str:
    return "\n".join(f">{line}" for line in text.splitlines() or [""])


def build_blocker_message(card: BlockerCard) -> dict[str, Any]:
    """The message posted for an open blocker, with its Resolved button."""
    return {
        "text": f"Blocker #{card.id} raised by {user(card.reporter_id)}: {blocker_text(card.text)}",
        "blocks": [
            section(f":construction: *Blocker #{card.id}*\n{_quote(blocker_text(card.text))}"),
            context(
                f"Raised by {user(card.reporter_id)} {slack_date(card.created_at, '{ago}')}",
                f"Waiting on {waits_on(card)}",
            ),
            {
                "type": "actions",
                "block_id": BlockerBlock.ACTIONS,
                "elements": [
                    button("Resolved", BlockerAction.RESOLVE, str(card.id), style="primary")
                ],
            },
        ],
    }


def build_resolved_message(card: BlockerCard) -> dict[str, Any]:
    """The blocker's message once resolved: who, when, what unblocked it; no button."""
    assert card.resolved_at is not None, "a resolved blocker has its resolution time"
    resolved = f"Resolved by {user(card.resolved_by)} {slack_date(card.resolved_at)}"
    blocks: list[Block] = [
        section(
            f":white_check_mark: *Blocker #{card.id}: resolved*\n{_quote(blocker_text(card.text))}"
        ),
        context(
            f"Raised by {user(card.reporter_id)} {slack_date(card.created_at)}",
            f"Waited on {waits_on(card)}",
        ),
        context(resolved),
    ]
    if card.resolution_note:
        blocks.append(section(f"*What unblocked it:*\n{escape(card.resolution_note)}"))
    return {
        "text": f"Blocker #{card.id} resolved by {user(card.resolved_by)}",
        "blocks": blocks,
    }


def build_confirmation(card: BlockerCard, post_channel: str) -> dict[str, Any]:
    """What the reporter alone sees once the blocker is recorded."""
    text = (
        f":white_check_mark: Blocker *#{card.id}* recorded. "
        f"I'm posting it in {channel(post_channel)}; anyone it waits on can resolve it there."
    )
    return {"text": text, "blocks": [section(text)]}


def build_create_modal(origin_channel: str) -> dict[str, Any]:
    """The form `/blocker` opens without text; the origin channel rides in private_metadata."""
    users = {
        "type": "input",
        "block_id": BlockerBlock.WAITS_ON_USERS,
        "optional": True,
        "label": plain("Waiting on people"),
        "element": {
            "type": "multi_users_select",
            "action_id": INPUT,
            "placeholder": plain("Who can unblock you?"),
        },
    }
    channels = {
        "type": "input",
        "block_id": BlockerBlock.WAITS_ON_CHANNELS,
        "optional": True,
        "label": plain("Waiting on channels"),
        "element": {
            "type": "multi_conversations_select",
            "action_id": INPUT,
            "placeholder": plain("Which team or channel?"),
            "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        },
    }
    return modal(
        BlockerView.CREATE,
        "Raise a blocker",
        [
            text_input(
                BlockerBlock.TEXT,
                "What is blocking you?",
                multiline=True,
                max_length=MAX_TEXT,
            ),
            users,
            channels,
        ],
        submit="Raise",
        private_metadata=json.dumps({"channel_id": origin_channel}),
    )


def build_resolve_modal(card: BlockerCard) -> dict[str, Any]:
    """The form the Resolved button opens: what unblocked it, optionally."""
    return modal(
        BlockerView.RESOLVE,
        f"Resolve blocker #{card.id}",
        [
            section(_quote(blocker_text(_shorten(card.text, LIST_TEXT_LIMIT)))),
            text_input(
                BlockerBlock.NOTE,
                "What unblocked it?",
                multiline=True,
                max_length=MAX_NOTE,
                optional=True,
            ),
        ],
        submit="Resolve",
        private_metadata=json.dumps({"blocker_id": card.id}),
    )


def _list_item(card: BlockerCard, label: str | None = None) -> Block:
    head = f"*#{card.id}*"
    if label:
        head += f" · _{label}_"
    head += (
        f" · open {slack_date(card.created_at, '{ago}')} · raised by {user(card.reporter_id)}"
        f" · waiting on {waits_on(card)}"
    )
    return section(f"{head}\n{_quote(blocker_text(_shorten(card.text, LIST_TEXT_LIMIT)))}")


def _list(heading: str, items: list[Block], total: int) -> dict[str, Any]:
    blocks = [section(heading), *items[:LIST_LIMIT]]
    if total > LIST_LIMIT:
        blocks.append(context(f"…and {total - LIST_LIMIT} more."))
    return {"text": heading, "blocks": blocks}


def build_channel_list(channel_id: str, cards: Sequence[BlockerCard]) -> dict[str, Any]:
    """Open blockers of a channel, oldest first, as the caller alone sees them."""
    if not cards:
        text = f"No open blockers in {channel(channel_id)}. :tada:"
        return {"text": text, "blocks": [section(text)]}
    heading = f"*Open blockers in {channel(channel_id)}* ({len(cards)}, oldest first)"
    return _list(heading, [_list_item(card) for card in cards], len(cards))


def build_mine_list(cards: Sequence[tuple[BlockerCard, str]]) -> dict[str, Any]:
    """The caller's open blockers, each labelled raised by them or waiting on them."""
    if not cards:
        text = "No open blockers raised by you or waiting on you. :tada:"
        return {"text": text, "blocks": [section(text)]}
    heading = f"*Your open blockers* ({len(cards)}, oldest first)"
    return _list(heading, [_list_item(card, label) for card, label in cards], len(cards))


def build_usage(problem: str | None = None) -> dict[str, Any]:
    """How to use /blocker, after what was wrong if anything."""
    text = f":warning: {problem}\n\n{USAGE}" if problem else USAGE
    return {"text": text, "blocks": [section(text)]}


def build_overdue_reminder(card: BlockerCard, sla: Duration) -> dict[str, Any]:
    """The one reminder in the blocker's thread once it is past the SLA."""
    people = [user(card.reporter_id)] + [
        user(u) for u in card.waits_on_users if u != card.reporter_id
    ]
    people += [channel(c) for c in card.waits_on_channels]
    text = (
        f":alarm_clock: Blocker #{card.id} has been open for more than {sla} "
        f"(raised {slack_date(card.created_at)}). {', '.join(people)}: what would unblock it? "
        "Press *Resolved* on the message above once it is."
    )
    return {"text": text, "blocks": [section(text)]}


def build_overdue_dm(card: BlockerCard, sla: Duration) -> dict[str, Any]:
    """The reminder, by DM to the reporter, for a blocker that was never posted."""
    text = (
        f":alarm_clock: Your blocker #{card.id} has been open for more than {sla} "
        f"(raised {slack_date(card.created_at)} in {channel(card.source_channel_id)}), "
        f"waiting on {waits_on(card)}:\n{_quote(blocker_text(card.text))}\n"
        "I could not post it in a channel, so only you have been told. "
        "Follow up with the people it waits on."
    )
    return {"text": text, "blocks": [section(text)]}


def build_post_failed(card: BlockerCard, post_channel: str, error: str) -> str:
    """What the reporter is told when the blocker's message could not be posted."""
    where = channel(post_channel)
    if error in ("not_in_channel", "channel_not_found"):
        why = (
            f"I am not a member of {where}. Invite me with `/invite @Baton` in that channel"
            if error == "not_in_channel"
            else f"I cannot see {where} (a private channel or a DM I am not in). "
            "Invite me with `/invite @Baton` there, or raise blockers from a channel I am in"
        )
    else:
        why = f"Slack answered `{error}`. Try again later, or tell your Baton admin"
    return (
        f":warning: Blocker *#{card.id}* is recorded, but I could not post it in {where}. "
        f"{why}. It still counts, and you can find it with `/blocker mine`."
    )


def build_update_failed(card: BlockerCard, error: str) -> str:
    """What the resolver is told when the posted message could not be edited."""
    return (
        f":warning: Blocker #{card.id} is resolved, but I could not update its message "
        f"(Slack answered `{error}`). Nothing else is needed from you."
    )
