"""Blocker rules: what `/blocker` text means, who may resolve a blocker, when it is overdue."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.core.business_time import BusinessCalendar
from bot.core.durations import Duration
from bot.core.errors import BatonError, InvalidInput
from bot.core.slack_text import mentioned_channels, mentioned_users, unescape
from bot.core.typos import mistyped, one_slip_from
from storage.statuses import BlockerStatus

MAX_TEXT = 500
MAX_NOTE = 3000

USAGE = (
    "*/blocker* records what blocks you, so the team sees it and it gets unblocked.\n"
    f"• `/blocker TEXT`: record a blocker (up to {MAX_TEXT} characters); mention the @people "
    "or #channels it waits on\n"
    "• `/blocker`: open a form\n"
    "• `/blocker list`: open blockers in this channel, oldest first\n"
    "• `/blocker mine`: open blockers you raised or that wait on you\n"
    "• `/blocker help`: this help"
)


class AlreadyResolved(BatonError):
    """Someone resolved the blocker first; nothing was changed."""


class CommandKind(StrEnum):
    CREATE = "create"
    FORM = "form"
    LIST = "list"
    MINE = "mine"
    HELP = "help"


_SUBCOMMANDS = {
    "list": CommandKind.LIST,
    "mine": CommandKind.MINE,
    "help": CommandKind.HELP,
    "-h": CommandKind.HELP,
    "--help": CommandKind.HELP,
    "?": CommandKind.HELP,
}


@dataclass(frozen=True)
class BlockerRequest:
    """A blocker as the user asked for it: its text and whom it waits on."""

    text: str
    waits_on_users: tuple[str, ...] = ()
    waits_on_channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Command:
    """What a `/blocker` invocation asks for; `request` is set for CREATE only."""

    kind: CommandKind
    request: BlockerRequest | None = None
    problem: str | None = None  # for HELP: what was wrong, if anything


@dataclass(frozen=True)
class BlockerCard:
    """The values a blocker's messages are built from."""

    id: int
    text: str
    reporter_id: str
    source_channel_id: str
    created_at: datetime
    status: str = BlockerStatus.OPEN
    waits_on_users: tuple[str, ...] = ()
    waits_on_channels: tuple[str, ...] = ()
    channel_id: str | None = None
    message_ts: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution_note: str | None = None

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None or self.status == BlockerStatus.RESOLVED


def check_text(text: str) -> str:
    """The blocker text trimmed, or InvalidInput when it is empty or over the limit."""
    trimmed = text.strip()
    if not trimmed:
        raise InvalidInput(
            "A blocker needs a description: `/blocker TEXT` (up to "
            f"{MAX_TEXT} characters), or `/blocker` alone to open a form. Nothing was recorded."
        )
    if len(trimmed) > MAX_TEXT:
        raise InvalidInput(
            f"That blocker is {len(trimmed):,} characters long; the limit is {MAX_TEXT}. "
            "Shorten it and add the details in the thread once it is posted. Nothing was recorded."
        )
    return trimmed


def check_note(note: str | None) -> str | None:
    """The resolution note trimmed (None when blank), or InvalidInput when over the limit."""
    trimmed = (note or "").strip()
    if len(trimmed) > MAX_NOTE:
        raise InvalidInput(
            f"The note is {len(trimmed):,} characters long; the limit is {MAX_NOTE:,}."
        )
    return trimmed or None


def parse_blocker_text(raw: str) -> BlockerRequest:
    """A blocker from slash-command text (Slack-escaped): its text as typed, and its mentions."""
    # Mentions are read before unescaping: a `<@U1>` the user typed as text arrives escaped.
    users = tuple(mentioned_users(raw))
    channels = tuple(mentioned_channels(raw))
    return BlockerRequest(
        text=check_text(unescape(raw)), waits_on_users=users, waits_on_channels=channels
    )


def parse_command(raw: str) -> Command:
    """Read `/blocker` text: a subcommand when it is just that word, a new blocker otherwise."""
    if raw == "":
        return Command(CommandKind.FORM)
    kind = _SUBCOMMANDS.get(raw.strip().lower())
    if kind is not None:
        return Command(kind)
    words = raw.split()
    meant = one_slip_from(words[0], _SUBCOMMANDS) if len(words) == 1 else None
    if meant is not None:
        return Command(CommandKind.HELP, problem=mistyped("/blocker", words[0], meant, "a blocker"))
    return Command(CommandKind.CREATE, parse_blocker_text(raw))


def may_resolve(
    user_id: str, *, reporter_id: str, waits_on_users: Iterable[str], admins: Iterable[str]
) -> bool:
    """The reporter, the people the blocker waits on and the admins may resolve it."""
    return user_id == reporter_id or user_id in set(waits_on_users) or user_id in set(admins)


def refusal(blocker_id: int) -> str:
    """What someone who may not resolve a blocker is told."""
    return (
        f"Only the person who raised blocker #{blocker_id}, the people it waits on and "
        "Baton's admins can resolve it. Nothing was changed."
    )


def sla_deadline(created_at: datetime, sla: Duration, calendar: BusinessCalendar) -> datetime:
    """When a blocker raised at `created_at` becomes overdue."""
    return sla.after(created_at, calendar)


def is_overdue(
    created_at: datetime, now: datetime, sla: Duration, calendar: BusinessCalendar
) -> bool:
    """Whether an open blocker raised at `created_at` is past its SLA at `now`."""
    return now >= sla_deadline(created_at, sla, calendar)


def mine_label(user_id: str, card: BlockerCard) -> str:
    """Why a blocker is in the user's own list."""
    raised = card.reporter_id == user_id
    waits = user_id in card.waits_on_users
    if raised and waits:
        return "raised by you, waits on you"
    if raised:
        return "raised by you"
    return "waits on you"
