"""What a message says for latency, and nothing more: the people and user groups it mentions,
and whether it asks something (a question mark outside links, mentions, channel and group
references, inline code and code blocks).

Rich-text blocks, where a message has them, are read first: their links, mentions and code are
elements of their own. Otherwise the text is read, where Slack writes every link and mention
between `<` and `>` (a `<` a person types arrives as `&lt;`) and code between backticks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.slack_text import mentioned_users

QUESTION_MARKS = ("?", "？")  # the full-width one is what CJK keyboards type

GROUP_MENTION = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>")
# What is not prose, in the order it is taken out: code blocks, then inline code, then
# everything between angle brackets (links, mentions, channel and group references).
_CODE_BLOCK = re.compile(r"```.*?```", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_MARKUP = re.compile(r"<[^<>]*>")


@dataclass(frozen=True)
class Said:
    """The facts Baton keeps of a message's words."""

    users: tuple[str, ...]  # in order, each once
    groups: tuple[str, ...]  # user group ids, in order, each once
    asks: bool


def read_message(text: str, blocks: Sequence[Any] | None = None) -> Said:
    """The mentions and the question mark of a message: from its rich-text blocks if it has
    any, else from its text."""
    rich = [block for block in blocks or () if _kind(block) == "rich_text"]
    if rich:
        return _read_rich(rich)
    return Said(
        users=tuple(mentioned_users(text)),
        groups=tuple(dict.fromkeys(GROUP_MENTION.findall(text))),
        asks=asks(text),
    )


def asks(text: str) -> bool:
    """A question mark in the prose of `text`, Slack's formatting of it taken out."""
    prose = _MARKUP.sub(" ", _INLINE_CODE.sub(" ", _CODE_BLOCK.sub(" ", text)))
    return _has_mark(prose)


def _has_mark(text: str) -> bool:
    return any(mark in text for mark in QUESTION_MARKS)


def _kind(element: Any) -> str | None:
    return element.get("type") if isinstance(element, Mapping) else None


def _read_rich(blocks: Iterable[Mapping[str, Any]]) -> Said:
    users: dict[str, None] = {}
    groups: dict[str, None] = {}
    question = False
    for element in _leaves(blocks):
        kind = element.get("type")
        if kind == "user" and element.get("user_id"):
            users[str(element["user_id"])] = None
        elif kind == "usergroup" and element.get("usergroup_id"):
            groups[str(element["usergroup_id"])] = None
        elif kind == "text" and not (element.get("style") or {}).get("code"):
            question = question or _has_mark(str(element.get("text") or ""))
    return Said(tuple(users), tuple(groups), question)


def _leaves(elements: Iterable[Any]) -> Iterable[Mapping[str, Any]]:
    """The inline elements of rich text (text, user, usergroup, link, channel…), code blocks
    left out; only `text` elements not styled as code are prose."""
    for element in elements:
        kind = _kind(element)
        if kind is None or kind == "rich_text_preformatted":
            continue
        children = element.get("elements")
        if isinstance(children, list):
            yield from _leaves(children)
        else:
            yield element
