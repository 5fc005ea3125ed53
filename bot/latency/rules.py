"""What a message event means for latency (the README's definitions), as plain functions.

The words of a message are read (bot.latency.reading) for three facts only, the people and the
user groups it mentions and whether it asks something, and are never passed on.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.latency.reading import read_message

MENTION = "mention"
QUESTION = "question"

# Subtypes that are still a person talking; every other subtype is the system's.
HUMAN_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})
# Public and private channels; DMs (im) and group DMs (mpim) are not timed.
TIMED_CHANNEL_TYPES = frozenset({"channel", "group"})

_TS = re.compile(r"^(\d{1,10})\.(\d{1,6})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class MessageFacts:
    """What Baton keeps of a person's message: ids, times and three facts about its words."""

    team_id: str
    channel_id: str
    ts: str
    thread_ts: str | None  # None for a top-level message
    user_id: str
    posted_at: datetime
    is_question: bool
    mentions: tuple[str, ...]  # people other than the author, before bots are taken out
    groups: tuple[str, ...] = ()  # user groups mentioned


@dataclass(frozen=True)
class Deletion:
    """A message taken back: it leaves the figures."""

    team_id: str
    channel_id: str
    ts: str
    posted_at: datetime


def parse_ts(ts: Any) -> tuple[str, datetime] | None:
    """Slack's `ts` written with 10 + 6 digits, so that text order is time order, and its time."""
    match = _TS.match(str(ts or ""))
    if match is None:
        return None
    seconds, fraction = match.group(1), match.group(2).ljust(6, "0")
    posted_at = _EPOCH + timedelta(seconds=int(seconds), microseconds=int(fraction))
    return f"{int(seconds):010d}.{fraction}", posted_at


def is_timed_channel(event: Mapping[str, Any], excluded: Collection[str]) -> bool:
    """A public or private channel not excluded in settings."""
    channel = str(event.get("channel") or "")
    if not channel or channel in excluded or channel.startswith("D"):
        return False
    channel_type = event.get("channel_type")
    return channel_type is None or channel_type in TIMED_CHANNEL_TYPES


def is_human(event: Mapping[str, Any], bot_user_id: str | None = None) -> bool:
    """A person's own message: no bot, no system subtype, not Baton."""
    if event.get("bot_id") or event.get("bot_profile"):
        return False
    if event.get("subtype") not in HUMAN_SUBTYPES:
        return False
    user = event.get("user")
    return bool(user) and user != bot_user_id


def read_message_event(
    event: Mapping[str, Any],
    team_id: str,
    *,
    bot_user_id: str | None = None,
    excluded: Collection[str] = (),
) -> MessageFacts | Deletion | None:
    """The facts of a message event that count for latency; None for one that does not."""
    if not is_timed_channel(event, excluded):
        return None
    channel = str(event["channel"])
    subtype = event.get("subtype")
    if subtype == "message_deleted":
        previous = event.get("previous_message")
        if isinstance(previous, Mapping) and not is_human(previous, bot_user_id):
            return None
        return _deletion(team_id, channel, event.get("deleted_ts"))
    if subtype == "message_changed":
        # A parent with replies is not deleted but replaced by a tombstone: an edit to Slack.
        changed = event.get("message")
        if isinstance(changed, Mapping) and changed.get("subtype") == "tombstone":
            return _deletion(team_id, channel, changed.get("ts"))
        return None  # an edit does not move a message's time
    if not is_human(event, bot_user_id):
        return None
    parsed = parse_ts(event.get("ts"))
    if parsed is None:
        return None
    ts, posted_at = parsed
    thread = parse_ts(event.get("thread_ts"))
    thread_ts = thread[0] if thread is not None and thread[0] != ts else None
    author = str(event["user"])
    blocks = event.get("blocks")
    said = read_message(str(event.get("text") or ""), blocks if isinstance(blocks, list) else None)
    return MessageFacts(
        team_id=team_id,
        channel_id=channel,
        ts=ts,
        thread_ts=thread_ts,
        user_id=author,
        posted_at=posted_at,
        is_question=said.asks,
        mentions=tuple(user for user in said.users if user != author),
        groups=said.groups,
    )


def _deletion(team_id: str, channel: str, ts: Any) -> Deletion | None:
    parsed = parse_ts(ts)
    if parsed is None:
        return None
    return Deletion(team_id, channel, parsed[0], parsed[1])


def wait_kind(
    thread_ts: str | None,
    people: Sequence[str],
    question: bool,
    *,
    groups: int = 0,
    readable_groups: int = 0,
) -> str | None:
    """How a message waits: for a mentioned person or group member, for a reply in its thread,
    or not at all.

    `people` are the mentioned people other than the author, bots left out, with the members of
    the mentioned groups. `groups` counts the user groups it mentions, `readable_groups` those
    whose members are, or will be, known: a mention of a group makes it wait for the group's
    members, never for a thread reply, and a group Baton cannot read for nobody.
    """
    if people or readable_groups:
        return MENTION
    if groups:
        return None
    if question and thread_ts is None:
        return QUESTION
    return None


def expected_side(
    author_side: str | None, mentioned_sides: Sequence[str | None], sides: Sequence[str]
) -> str | None:
    """The side expected to answer: that of the first mentioned person on a side, else the other
    side than the author's; None when it cannot be told (no sides, or an author on none)."""
    for side in mentioned_sides:
        if side is not None:
            return side
    if author_side is None:
        return None
    others = [side for side in sides if side != author_side]
    return others[0] if len(others) == 1 else None


def direction(author_side: str | None, answer_side: str | None) -> str | None:
    """`client→partner` when a message of one side waits on the other; None otherwise."""
    if author_side is None or answer_side is None or author_side == answer_side:
        return None
    return f"{author_side}→{answer_side}"
