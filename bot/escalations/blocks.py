"""Block Kit for escalations: the channel message, DMs, the list, usage and the modals."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.core.blocks import (
    Block,
    button,
    context,
    escape,
    modal,
    mrkdwn,
    plain,
    section,
    slack_date,
    text_input,
    user,
)
from bot.core.durations import seconds_text
from bot.core.ids import INPUT, EscalationAction, EscalationBlock, EscalationView
from bot.core.severity import Severity
from bot.escalations.rules import (
    DESCRIPTION_LIMIT,
    LINK_LIMIT,
    NOTE_LIMIT,
    TITLE_LIMIT,
    Snapshot,
)
from storage.statuses import EscalationStatus

SEVERITY_ICONS = {
    Severity.SEV1: ":red_circle:",
    Severity.SEV2: ":large_orange_circle:",
    Severity.SEV3: ":large_yellow_circle:",
    Severity.SEV4: ":white_circle:",
}
STATUS_NAMES = {
    EscalationStatus.OPEN: "Open",
    EscalationStatus.ACKNOWLEDGED: "Acknowledged",
    EscalationStatus.RESOLVED: "Resolved",
}
STATUS_ICONS = {
    EscalationStatus.OPEN: ":rotating_light:",
    EscalationStatus.ACKNOWLEDGED: ":eyes:",
    EscalationStatus.RESOLVED: ":white_check_mark:",
}

# A list stays well inside Slack's 50 blocks per message.
LIST_LIMIT = 40
# Slack caps a section field at 2,000 characters.
_FIELD_LIMIT = 2000

_ESCAPED_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]+)(?:\|[^&\s]*)?&gt;")

USAGE = """\
*`/escalate` — raise an escalation*
• `/escalate` — open the form (title, severity, owner, description, link)
• `/escalate [severity] [@owner] title` — record one at once, e.g. \
`/escalate sev1 @dana Checkout returns 500 for every card payment`
   severity: `sev1`…`sev4` or `critical`, `high`, `medium`, `low` (default {default})
   owner: a person to own it (default {owner}); severity and owner may come in either order
   title: up to 150 characters
• `/escalate list` — the escalations not resolved yet, oldest first
• `/escalate help` — this help
`list` or `help` alone is the subcommand. A title that starts with a severity word, \
`list` or `help` needs a severity first: `/escalate sev3 list page is slow`."""


def rich(text: str) -> str:
    """User text made safe for mrkdwn, keeping the user mentions it holds."""
    return _ESCAPED_MENTION.sub(lambda m: f"<@{m.group(1)}>", escape(text))


def severity_text(severity: Severity) -> str:
    return f"{SEVERITY_ICONS[severity]} {severity.label.upper()} · {severity.word}"


def message_link(channel_id: str, message_ts: str) -> str:
    """A link to a message that Slack resolves to the reader's workspace."""
    return f"https://slack.com/archives/{channel_id}/p{message_ts.replace('.', '')}"


def _age(created_at: datetime, now: datetime) -> str:
    return seconds_text(max(0.0, (now - created_at).total_seconds()))


def status_text(esc: Snapshot) -> str:
    """The status with who changed it and when."""
    if esc.status == EscalationStatus.RESOLVED and esc.resolved_at is not None:
        return (
            f"{STATUS_ICONS[EscalationStatus.RESOLVED]} Resolved by {user(esc.resolved_by)} "
            f"{slack_date(esc.resolved_at)}"
        )
    if esc.status == EscalationStatus.ACKNOWLEDGED and esc.acknowledged_at is not None:
        return (
            f"{STATUS_ICONS[EscalationStatus.ACKNOWLEDGED]} Acknowledged by "
            f"{user(esc.acknowledged_by)} {slack_date(esc.acknowledged_at)}"
        )
    return f"{STATUS_ICONS[EscalationStatus.OPEN]} Open, waiting for acknowledgement"


def actions(esc: Snapshot) -> Block | None:
    """Acknowledge while open, Resolve until resolved; nothing once resolved."""
    value = str(esc.id)
    elements = []
    if esc.status == EscalationStatus.OPEN:
        elements.append(button("Acknowledge", EscalationAction.ACKNOWLEDGE, value, "primary"))
    if esc.status in (EscalationStatus.OPEN, EscalationStatus.ACKNOWLEDGED):
        style = "primary" if esc.status == EscalationStatus.ACKNOWLEDGED else None
        elements.append(button("Resolve", EscalationAction.RESOLVE, value, style))
    if not elements:
        return None
    return {"type": "actions", "block_id": EscalationBlock.ACTIONS, "elements": elements}


def _fields(esc: Snapshot) -> Block:
    fields = [
        f"*Severity*\n{severity_text(esc.severity)}",
        f"*Status*\n{STATUS_NAMES.get(esc.status, esc.status)}",
        f"*Owner*\n{user(esc.owner_id)}",
        f"*Reporter*\n{user(esc.reporter_id)}",
    ]
    if esc.level > 0:
        fields.append(f"*Assignee*\n{user(esc.assignee_id)} (level {esc.level})")
    fields.append(f"*Opened*\n{slack_date(esc.created_at, '{ago}')}")
    return {"type": "section", "fields": [mrkdwn(f[:_FIELD_LIMIT]) for f in fields]}


def build_escalation_message(esc: Snapshot, now: datetime) -> dict[str, Any]:
    """The escalation's channel message, for chat.postMessage and chat.update alike."""
    status = STATUS_NAMES.get(esc.status, esc.status).lower()
    text = (
        f"Escalation #{esc.id} [{esc.severity.label}] {rich(esc.title)}: {status}, "
        f"opened {_age(esc.created_at, now)} ago by {user(esc.reporter_id)}"
    )
    blocks: list[Block] = [
        section(f"{STATUS_ICONS.get(esc.status, '')} *Escalation #{esc.id}: {rich(esc.title)}*"),
        _fields(esc),
    ]
    if esc.description:
        blocks.append(section(rich(esc.description)))
    if esc.link:
        blocks.append(section(f":link: {escape(esc.link)}"))
    if esc.status != EscalationStatus.OPEN:
        blocks.append(context(status_text(esc)))
    if esc.status == EscalationStatus.RESOLVED and esc.resolution_note:
        blocks.append(section(f"*Resolution*\n{rich(esc.resolution_note)}"))
    buttons = actions(esc)
    if buttons:
        blocks.append(buttons)
    return {"text": text, "blocks": blocks}


def _summary(esc: Snapshot) -> str:
    where = ""
    if esc.channel_id and esc.message_ts:
        where = f" · <{message_link(esc.channel_id, esc.message_ts)}|open the message>"
    return (
        f"*#{esc.id} {rich(esc.title)}*\n{severity_text(esc.severity)} · "
        f"reported by {user(esc.reporter_id)} {slack_date(esc.created_at, '{ago}')}{where}"
    )


def build_owner_dm(esc: Snapshot) -> dict[str, Any]:
    """The DM to a new escalation's owner."""
    text = f"You own escalation #{esc.id} [{esc.severity.label}]: {rich(esc.title)}"
    blocks: list[Block] = [section(f":rotating_light: You own a new escalation.\n{_summary(esc)}")]
    buttons = actions(esc)
    if buttons:
        blocks.append(buttons)
    return {"text": text, "blocks": blocks}


def build_assignee_dm(esc: Snapshot, wait: str) -> dict[str, Any]:
    """The DM to the person an unacknowledged escalation moved to."""
    text = (
        f"Escalation #{esc.id} [{esc.severity.label}] was not acknowledged after {wait} "
        f"and is now yours (level {esc.level}): {rich(esc.title)}"
    )
    blocks: list[Block] = [
        section(
            f":rotating_light: Nobody acknowledged this escalation after {wait}; it is now "
            f"yours (level {esc.level}).\n{_summary(esc)}"
        )
    ]
    buttons = actions(esc)
    if buttons:
        blocks.append(buttons)
    return {"text": text, "blocks": blocks}


def reminder_text(esc: Snapshot, wait: str) -> str:
    """The thread reminder of an unacknowledged escalation."""
    if esc.assignee_id:
        return (
            f"{user(esc.assignee_id)} reminder: escalation #{esc.id} has not been acknowledged "
            f"after {wait}. Please acknowledge it, or resolve it if it is done."
        )
    return (
        f"Escalation #{esc.id} has not been acknowledged after {wait} and has no owner. "
        "Anyone who takes it: press Acknowledge."
    )


def moved_text(esc: Snapshot, wait: str) -> str:
    """The thread note when an escalation moves to the next level."""
    return (
        f"No acknowledgement after {wait}: escalated to {user(esc.assignee_id)} "
        f"(level {esc.level})."
    )


def build_confirmation(esc: Snapshot, post_channel_id: str) -> dict[str, Any]:
    """The reporter's ephemeral answer once the escalation is recorded."""
    owner = f" Owner: {user(esc.owner_id)}." if esc.owner_id else " It has no owner yet."
    return {
        "text": (
            f":white_check_mark: Escalation *#{esc.id}* recorded "
            f"({esc.severity.label}): {rich(esc.title)}.{owner} "
            f"Posting it in <#{post_channel_id}>."
        )
    }


def posting_failed_text(esc_id: int, channel_id: str, error: str, *, configured: bool) -> str:
    """What the reporter reads when the escalation could not be posted, and what to do."""
    head = f":warning: Escalation #{esc_id} is recorded, but I could not post it in <#{channel_id}>"
    tail = " Reminders about it will come by DM; `/escalate list` shows it."
    if error in ("not_in_channel", "channel_not_found") and not configured:
        return (
            f"{head}: Baton is not a member of that channel. Invite it with `/invite @Baton` "
            f"in <#{channel_id}>; escalations raised there afterwards will be posted.{tail}"
        )
    if error in ("not_in_channel", "channel_not_found"):
        return (
            f"{head}: Baton is not a member of the escalation channel, or it does not exist. "
            f"Invite Baton with `/invite @Baton` there, or ask an admin to check "
            f"BATON_ESCALATION_CHANNEL.{tail}"
        )
    if error == "is_archived":
        return (
            f"{head}: the channel is archived. Ask an admin to unarchive it or to set "
            f"BATON_ESCALATION_CHANNEL to a live channel.{tail}"
        )
    return f"{head} (Slack said `{escape(error)}`). Try again in a minute.{tail}"


def dm_failed_text(esc_id: int, owner_id: str, error: str) -> str:
    return (
        f":warning: Escalation #{esc_id} is recorded, but I could not send {user(owner_id)} a "
        f"DM (Slack said `{escape(error)}`). Please let them know."
    )


def already_text(esc: Snapshot) -> str:
    """The answer to a click that came after someone else's."""
    if esc.status == EscalationStatus.RESOLVED:
        return f"Escalation #{esc.id} was already resolved by {user(esc.resolved_by)}."
    return f"Escalation #{esc.id} was already acknowledged by {user(esc.acknowledged_by)}."


def build_list(escalations: Sequence[Snapshot], now: datetime) -> dict[str, Any]:
    """The open escalations, oldest first, one section each."""
    if not escalations:
        return {"text": "No open escalations. :tada:"}
    count = len(escalations)
    head = f"*{count} open escalation{'s' if count != 1 else ''}*, oldest first"
    blocks: list[Block] = [section(head)]
    for esc in escalations[:LIST_LIMIT]:
        holder = user(esc.owner_id)
        if esc.level > 0:
            holder += f" → {user(esc.assignee_id)} (level {esc.level})"
        blocks.append(
            section(
                f"*#{esc.id}* {SEVERITY_ICONS[esc.severity]} {esc.severity.label} · "
                f"*{rich(esc.title)}*\n"
                f"Owner {holder} · {STATUS_NAMES.get(esc.status, esc.status)} · "
                f"opened {slack_date(esc.created_at, '{ago}')}"
            )
        )
    if count > LIST_LIMIT:
        blocks.append(context(f"…and {count - LIST_LIMIT} more."))
    lines = [
        f"#{e.id} {e.severity.label} {rich(e.title)} ({STATUS_NAMES.get(e.status, e.status)}, "
        f"{_age(e.created_at, now)})"
        for e in escalations[:LIST_LIMIT]
    ]
    return {"text": f"{count} open: " + "; ".join(lines), "blocks": blocks}


def build_usage(
    default_severity: Severity, default_owner: str | None, problem: str | None = None
) -> dict[str, Any]:
    """How to use `/escalate`, after what was wrong if anything."""
    owner = user(default_owner) if default_owner else "nobody"
    text = USAGE.format(default=default_severity.label, owner=owner)
    if problem:
        text = f":warning: {problem}\n\n{text}"
    return {"text": text, "blocks": [section(text)]}


def _severity_option(severity: Severity) -> dict[str, Any]:
    return {
        "text": plain(f"{severity.label.upper()} · {severity.word}"),
        "value": severity.label,
    }


def build_create_modal(default_severity: Severity, channel_id: str) -> dict[str, Any]:
    """The form `/escalate` alone opens; private_metadata keeps the channel it came from."""
    severity: Block = {
        "type": "input",
        "block_id": EscalationBlock.SEVERITY,
        "label": plain("Severity"),
        "element": {
            "type": "static_select",
            "action_id": INPUT,
            "options": [_severity_option(s) for s in Severity],
            "initial_option": _severity_option(default_severity),
        },
    }
    owner: Block = {
        "type": "input",
        "block_id": EscalationBlock.OWNER,
        "label": plain("Owner"),
        "optional": True,
        "element": {
            "type": "users_select",
            "action_id": INPUT,
            "placeholder": plain("Who should own it"),
        },
        "hint": plain("Leave empty for the team's default owner."),
    }
    blocks = [
        text_input(EscalationBlock.TITLE, "Title", max_length=TITLE_LIMIT),
        severity,
        owner,
        text_input(
            EscalationBlock.DESCRIPTION,
            "Description",
            multiline=True,
            max_length=DESCRIPTION_LIMIT,
            optional=True,
        ),
        text_input(
            EscalationBlock.LINK,
            "Link",
            max_length=LINK_LIMIT,
            optional=True,
            placeholder="https://…",
        ),
    ]
    return modal(
        EscalationView.CREATE,
        "New escalation",
        blocks,
        submit="Escalate",
        private_metadata=json.dumps({"channel_id": channel_id}),
    )


def build_resolve_modal(esc: Snapshot) -> dict[str, Any]:
    """The resolution note form; private_metadata keeps the escalation's number."""
    blocks = [
        section(f"*#{esc.id} {rich(esc.title)}*"),
        text_input(
            EscalationBlock.NOTE,
            "Resolution note",
            multiline=True,
            max_length=NOTE_LIMIT,
            optional=True,
            placeholder="What fixed it (optional)",
        ),
    ]
    return modal(
        EscalationView.RESOLVE,
        f"Resolve #{esc.id}",
        blocks,
        submit="Resolve",
        private_metadata=json.dumps({"escalation_id": esc.id}),
    )
