"""Posts in channels made once, even when an earlier try's outcome is unknown.

A try can reach Slack and still fail for Baton: the connection drops or Slack answers 5xx after
it took the post, or the process is killed before it records the post. Trying again blindly
would post twice. So every post Baton makes in a channel carries Slack message metadata naming
what it is (`baton_post`, with Baton's reference for it, such as `escalation:12`), and a try
that follows one whose outcome is unknown first looks for that reference in the channel (or the
thread), from a little before the first try, and keeps the post it finds. Files carry no
metadata: a chart is found by its file name among the thread's replies. DMs are not looked for:
Baton does not read DMs, so a DM can, in that narrow window, arrive twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.runtime.services import Services
from bot.runtime.slack_client import error_code, is_permanent, may_have_reached_slack

log = logging.getLogger(__name__)

EVENT_TYPE = "baton_post"
# Machines' clocks differ a little from Slack's.
LOOK_FROM_BEFORE = timedelta(minutes=2)
# How far a look reads: 5 pages of 200 messages.
PAGES = 5
PAGE_SIZE = 200
# Tries within one call; past them the caller's own retry (the outbox's, the clock's) goes on.
TRIES = 3


@dataclass(frozen=True)
class Posted:
    """Where a post is: its channel and ts; `found` when an earlier try had made it."""

    channel: str
    ts: str
    found: bool = False


def metadata(ref: str) -> dict[str, Any]:
    """The Slack message metadata that names a post as Baton's `ref`."""
    return {"event_type": EVENT_TYPE, "event_payload": {"ref": ref}}


def post_once(
    services: Services,
    *,
    ref: str,
    channel: str,
    since: datetime | None = None,
    thread_ts: str | None = None,
    **message: Any,
) -> Posted:
    """Post `message` in `channel` (in `thread_ts`'s thread), tagged `ref`.

    `since`: when an earlier try whose outcome is unknown began; the post is then looked for
    first. A dropped connection or a 5xx here is looked after the same way before trying again.
    """
    for attempt in range(1, TRIES + 1):
        if since is not None:
            found = find_post(services, channel, ref, since=since, thread_ts=thread_ts)
            if found is not None:
                log.info("%s was in Slack already: not posted again", ref)
                return Posted(channel, found, found=True)
        started = services.now()
        try:
            answer = services.poster.chat_postMessage(
                channel=channel, thread_ts=thread_ts, metadata=metadata(ref), **message
            )
        except Exception as error:
            if not may_have_reached_slack(error) or attempt == TRIES:
                raise
            log.info("%s: outcome unknown (%s), looked for first", ref, error_code(error))
            since = since or started
            continue
        return Posted(str(answer.get("channel") or channel), str(answer["ts"]))
    raise AssertionError("unreachable")  # pragma: no cover - the last try returns or raises


def find_post(
    services: Services, channel: str, ref: str, *, since: datetime, thread_ts: str | None = None
) -> str | None:
    """The ts of Baton's post `ref` in `channel` (or the thread) since `since`; None if none.

    A channel Baton cannot read (a refusal) counts as not found: posting again is the lesser harm.
    """
    for message in _messages(services, channel, since=since, thread_ts=thread_ts):
        tag = message.get("metadata") or {}
        payload = tag.get("event_payload") or {}
        if tag.get("event_type") == EVENT_TYPE and payload.get("ref") == ref:
            return str(message["ts"])
    return None


def find_file(
    services: Services, channel: str, thread_ts: str, name: str, *, since: datetime
) -> str | None:
    """The id of a file named `name` among the replies of `thread_ts`; None if none."""
    for message in _messages(services, channel, since=since, thread_ts=thread_ts):
        for shared in message.get("files") or []:
            if shared.get("name") == name:
                return str(shared["id"])
    return None


def _messages(
    services: Services, channel: str, *, since: datetime, thread_ts: str | None
) -> list[dict[str, Any]]:
    oldest = f"{(since - LOOK_FROM_BEFORE).timestamp():.6f}"
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    try:
        for _ in range(PAGES):
            args: dict[str, Any] = {
                "channel": channel,
                "oldest": oldest,
                "include_all_metadata": True,
                "limit": PAGE_SIZE,
                "cursor": cursor,
            }
            if thread_ts is None:
                page = services.client.conversations_history(**args)
            else:
                page = services.client.conversations_replies(ts=thread_ts, **args)
            found.extend(page.get("messages") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                break
    except Exception as error:
        if not is_permanent(error):
            raise
        log.warning("cannot read %s to look for a post: %s", channel, error_code(error))
    return found
