"""Block Kit pieces every builder uses."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.core.ids import INPUT
from bot.core.slack_text import typed

Block = dict[str, Any]

# Slack's own limits (Block Kit reference).
SECTION_TEXT_LIMIT = 3000
MODAL_TITLE_LIMIT = 24
INPUT_HINT_LIMIT = 2000

_USER_ID = re.compile(r"[UW][A-Z0-9]+")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]+")


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def echo(text: str, limit: int = 60) -> str:
    """What a person typed, quoted back inside `code`: one line, shortened, mrkdwn escaped
    (a pasted `<!channel>` is shown, never sent as a ping) and no backtick to end the quote."""
    line = " ".join(text.split())
    if len(line) > limit:
        line = line[: limit - 1] + "…"
    return escape(line.replace("`", "'"))


def user(user_id: str | None, none: str = "_nobody_") -> str:
    if not user_id:
        return none
    # An id from a forged or broken request is quoted, never handed to Slack as markup.
    return f"<@{user_id}>" if _USER_ID.fullmatch(user_id) else f"`{echo(user_id)}`"


def channel(channel_id: str) -> str:
    return f"<#{channel_id}>" if _CHANNEL_ID.fullmatch(channel_id) else f"`{echo(channel_id)}`"


def slack_date(moment: datetime, token: str = "{date_short_pretty} {time}") -> str:
    """A date Slack renders in each reader's own time zone; `{ago}` renders an age."""
    epoch = int(moment.timestamp())
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{epoch}^{token}|{fallback}>"


def plain(text: str, limit: int | None = None) -> dict[str, Any]:
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return {"type": "plain_text", "text": text, "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str) -> Block:
    if len(text) > SECTION_TEXT_LIMIT:
        text = text[: SECTION_TEXT_LIMIT - 1] + "…"
    return {"type": "section", "text": mrkdwn(text)}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(text),
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def text_input(
    block_id: str,
    label: str,
    *,
    multiline: bool = False,
    max_length: int | None = None,
    optional: bool = False,
    placeholder: str | None = None,
    initial: str | None = None,
    hint: str | None = None,
) -> Block:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": INPUT}
    if multiline:
        element["multiline"] = True
    if max_length:
        element["max_length"] = max_length
    if placeholder:
        element["placeholder"] = plain(placeholder)
    if initial:
        element["initial_value"] = initial
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "optional": optional,
        "element": element,
    }
    if hint:
        block["hint"] = plain(hint, INPUT_HINT_LIMIT)
    return block


def modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    *,
    submit: str = "Submit",
    private_metadata: str = "",
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MODAL_TITLE_LIMIT),
        "submit": plain(submit, MODAL_TITLE_LIMIT),
        "close": plain("Cancel"),
        "private_metadata": private_metadata,
        "blocks": blocks,
    }


def notice(text: str, title: str = "Baton") -> dict[str, Any]:
    """A modal that only tells the user something, with nothing to submit."""
    return {
        "type": "modal",
        "title": plain(title, MODAL_TITLE_LIMIT),
        "close": plain("Close"),
        "blocks": [section(text)],
    }


def input_value(state: dict[str, Any], block_id: str) -> Any:
    """The single element's state of an input block in a view submission, or None."""
    element = (state.get("values") or {}).get(block_id, {}).get(INPUT) or {}
    kind = element.get("type")
    if kind == "plain_text_input":
        value = element.get("value")
        return None if value is None else typed(value)
    if kind == "static_select":
        return (element.get("selected_option") or {}).get("value")
    if kind == "users_select":
        return element.get("selected_user")
    if kind == "multi_users_select":
        return element.get("selected_users") or []
    if kind == "multi_conversations_select":
        return element.get("selected_conversations") or []
    if kind == "conversations_select":
        return element.get("selected_conversation")
    return element.get("value")
