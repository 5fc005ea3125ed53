"""Reading what users type in Slack: mentions, channel links, plain text."""

from __future__ import annotations

import re

USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
CHANNEL_MENTION = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")


def mentioned_users(text: str) -> list[str]:
    """User ids mentioned in `text`, in order, each once."""
    return list(dict.fromkeys(USER_MENTION.findall(text)))


def mentioned_channels(text: str) -> list[str]:
    """Channel ids linked in `text`, in order, each once."""
    return list(dict.fromkeys(CHANNEL_MENTION.findall(text)))


def unescape(text: str) -> str:
    """Undo Slack's escaping of &, < and > in text it sends us."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
