"""Reading what users type in Slack: mentions, channel links, plain text."""

from __future__ import annotations

import re

USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
CHANNEL_MENTION = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")
# Control characters other than tab and newline: nobody types them, PostgreSQL refuses NUL in
# text, and a terminal reading an export would obey an escape sequence.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def typed(value: object) -> str:
    """Text a person typed (a command's text, a form's field), without control characters."""
    return _CONTROL.sub("", value) if isinstance(value, str) else ""


def mentioned_users(text: str) -> list[str]:
    """User ids mentioned in `text`, in order, each once."""
    return list(dict.fromkeys(USER_MENTION.findall(text)))


def mentioned_channels(text: str) -> list[str]:
    """Channel ids linked in `text`, in order, each once."""
    return list(dict.fromkeys(CHANNEL_MENTION.findall(text)))


def unescape(text: str) -> str:
    """Undo Slack's escaping of &, < and > in text it sends us."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
