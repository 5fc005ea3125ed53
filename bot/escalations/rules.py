"""Escalation rules: reading `/escalate`, who may act, when reminders and level moves are due.

Plain functions over plain values; no Slack and no database here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.core.business_time import BusinessCalendar
from bot.core.durations import Duration
from bot.core.errors import InvalidInput
from bot.core.severity import SEVERITY_WORDS, Severity
from bot.core.slack_text import unescape
from bot.core.typos import mistyped, one_slip_from
from storage.statuses import EscalationStatus

TITLE_LIMIT = 150
DESCRIPTION_LIMIT = 3000
NOTE_LIMIT = 3000
LINK_LIMIT = 2000

SUBCOMMANDS = ("list", "help")
HELP_WORDS = ("-h", "--help", "?")

# A leading owner mention, as Slack sends it with should_escape: <@U123|name> (or <@U123>).
_LEADING_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>(?=\s|$)")
_LEADING_WORD = re.compile(r"(\S+)(?=\s|$)")
_LINK = re.compile(r"^https?://[^\s/?#.][^\s]*$", re.IGNORECASE)


@dataclass(frozen=True)
class Draft:
    """What a new escalation will hold, once checked."""

    title: str
    severity: Severity
    owner_id: str | None
    description: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class OpenForm:
    """`/escalate` alone: open the modal."""


@dataclass(frozen=True)
class ListOpen:
    """`/escalate list`: the open escalations."""


@dataclass(frozen=True)
class ShowUsage:
    """`/escalate help`, or a subcommand used wrongly (then `problem` says what was wrong)."""

    problem: str | None = None


@dataclass(frozen=True)
class Create:
    """`/escalate [severity] [@owner] title`: record an escalation."""

    draft: Draft
    owner_mentioned: bool  # the owner was typed (so must be checked), not the default


Command = OpenForm | ListOpen | ShowUsage | Create


def parse_command(text: str, *, default_severity: Severity, default_owner: str | None) -> Command:
    """Read the text of `/escalate`; raises InvalidInput when a title is missing or too long."""
    rest = text.strip()
    if not rest:
        return OpenForm()
    words = rest.split()
    first = words[0].lower()
    if first in SUBCOMMANDS:
        if len(words) > 1:
            return ShowUsage(f"`{first}` takes nothing after it.")
        return ListOpen() if first == "list" else ShowUsage()
    if first in HELP_WORDS and len(words) == 1:
        return ShowUsage()
    meant = one_slip_from(first, SUBCOMMANDS) if len(words) == 1 else None
    if meant is not None:
        return ShowUsage(mistyped("/escalate", words[0], meant, "an escalation"))

    severity: Severity | None = None
    owner: str | None = None
    # The severity and the owner may come in either order, each at most once.
    while rest:
        mention = _LEADING_MENTION.match(rest)
        if mention and owner is None:
            owner = mention.group(1)
            rest = rest[mention.end() :].lstrip()
            continue
        word = _LEADING_WORD.match(rest)
        if word and severity is None and word.group(1).lower() in SEVERITY_WORDS:
            severity = SEVERITY_WORDS[word.group(1).lower()]
            rest = rest[word.end() :].lstrip()
            continue
        break

    title = check_title(unescape(rest))
    return Create(
        Draft(
            title=title,
            severity=severity or default_severity,
            owner_id=owner or default_owner,
        ),
        owner_mentioned=owner is not None,
    )


def check_title(title: str | None) -> str:
    """The title trimmed; InvalidInput when it is empty or longer than 150 characters."""
    title = (title or "").strip()
    if not title:
        raise InvalidInput(
            "Give the escalation a title, e.g. `/escalate sev2 <@owner> Checkout is down`. "
            "Run `/escalate` alone to open the form."
        )
    if len(title) > TITLE_LIMIT:
        raise InvalidInput(
            f"The title is {len(title):,} characters long; the limit is {TITLE_LIMIT}. "
            "Nothing was recorded. Keep the title short and put the details in the description: "
            "run `/escalate` alone to open the form."
        )
    return title


def check_description(description: str | None) -> str | None:
    """The description trimmed, None when empty; InvalidInput past 3,000 characters."""
    description = (description or "").strip()
    if len(description) > DESCRIPTION_LIMIT:
        raise InvalidInput(
            f"The description is {len(description):,} characters long; "
            f"the limit is {DESCRIPTION_LIMIT:,}."
        )
    return description or None


def check_link(link: str | None) -> str | None:
    """The link trimmed, None when empty; InvalidInput unless it looks like an http(s) URL."""
    link = (link or "").strip()
    if not link:
        return None
    if len(link) > LINK_LIMIT or not _LINK.match(link):
        raise InvalidInput("The link must be a web address starting with https:// or http://.")
    return link


def check_note(note: str | None) -> str | None:
    """A resolution note trimmed, None when empty; InvalidInput past 3,000 characters."""
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise InvalidInput(
            f"The note is {len(note):,} characters long; the limit is {NOTE_LIMIT:,}."
        )
    return note or None


def read_form(
    *,
    title: str | None,
    severity: str | None,
    owner_id: str | None,
    description: str | None,
    link: str | None,
    default_severity: Severity,
    default_owner: str | None,
) -> tuple[Draft | None, dict[str, str]]:
    """The modal's fields checked: a draft, or the error of each field that is wrong (by name)."""
    errors: dict[str, str] = {}
    checked: dict[str, str | None] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "Give the escalation a title."
    elif len(title) > TITLE_LIMIT:
        errors["title"] = f"At most {TITLE_LIMIT} characters; this has {len(title):,}."
    for name, check, value in (
        ("description", check_description, description),
        ("link", check_link, link),
    ):
        try:
            checked[name] = check(value)
        except InvalidInput as error:
            errors[name] = error.user_message
    chosen = default_severity
    if severity:
        try:
            chosen = SEVERITY_WORDS[severity.strip().lower()]
        except KeyError:
            errors["severity"] = "Pick a severity from the list."
    if errors:
        return None, errors
    draft = Draft(
        title=title,
        severity=chosen,
        owner_id=owner_id or default_owner,
        description=checked["description"],
        link=checked["link"],
    )
    return draft, {}


def may_act(
    user_id: str,
    *,
    owner_id: str | None,
    reporter_id: str,
    assignee_id: str | None,
    admins: Iterable[str],
) -> bool:
    """Whether `user_id` may acknowledge or resolve: owner, reporter, assignee or admin."""
    if not user_id:
        return False
    return user_id in {owner_id, reporter_id, assignee_id} or user_id in set(admins)


# Stages of an unacknowledged escalation with timeout T: stage k is due at k×T. Odd stages
# remind whoever holds it; even stage 2n moves it to level n. With L levels the last stage is
# the reminder of the level-L person, 2L + 1; after that nothing more is sent.


@dataclass(frozen=True)
class Stage:
    """One step of the reminder ladder."""

    number: int
    kind: Literal["remind", "move"]
    level: int  # remind: the level reminded; move: the level it moves to (1 = first level)
    due_at: datetime


def last_stage(level_count: int) -> int:
    """The number of the final stage with `level_count` levels configured."""
    return 2 * level_count + 1


def stage(
    number: int, *, created_at: datetime, timeout: Duration, calendar: BusinessCalendar
) -> Stage:
    """Stage `number` (1 = first reminder) of an escalation created at `created_at`."""
    if number < 1:
        raise ValueError(number)
    due_at = timeout.after(created_at, calendar, times=number)
    if number % 2:
        return Stage(number, "remind", (number - 1) // 2, due_at)
    return Stage(number, "move", number // 2, due_at)


def stages_due(
    *,
    created_at: datetime,
    timeout: Duration,
    calendar: BusinessCalendar,
    level_count: int,
    now: datetime,
) -> list[Stage]:
    """Every stage due by `now`, in order (a clock that was down catches up)."""
    due: list[Stage] = []
    for number in range(1, last_stage(level_count) + 1):
        step = stage(number, created_at=created_at, timeout=timeout, calendar=calendar)
        if step.due_at > now:
            break
        due.append(step)
    return due


@dataclass(frozen=True)
class Snapshot:
    """An escalation as the builders and rules see it: plain values, no session attached."""

    id: int
    title: str
    severity: Severity
    status: EscalationStatus
    reporter_id: str
    owner_id: str | None
    assignee_id: str | None
    level: int
    source_channel_id: str
    created_at: datetime
    description: str | None = None
    link: str | None = None
    channel_id: str | None = None
    message_ts: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution_note: str | None = None

    @property
    def is_posted(self) -> bool:
        return bool(self.channel_id and self.message_ts)

    def may_be_changed_by(self, user_id: str, admins: Iterable[str]) -> bool:
        """Whether `user_id` may acknowledge or resolve this escalation."""
        return may_act(
            user_id,
            owner_id=self.owner_id,
            reporter_id=self.reporter_id,
            assignee_id=self.assignee_id,
            admins=admins,
        )
