"""What every listener reads the same way: the workspace, a modal's metadata, opening a modal."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.errors import BatonError
from bot.runtime.slack_client import error_code


def team_id(body: dict[str, Any]) -> str:
    """The workspace a command, click, submission or event comes from."""
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    user = body.get("user")
    user_team = user.get("team_id") if isinstance(user, dict) else None
    return str(body.get("team_id") or user_team or "")


# The largest id a record can have (PostgreSQL's integer); anything past it names no record.
_MAX_ID = 2**31 - 1


def record_id(raw: object) -> int | None:
    """The record a button's value or a modal's metadata names: a whole number from 1 up to
    the largest id; None for anything else (Baton sent no such value)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        number = raw
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 10:
        number = int(raw)
    else:
        return None
    return number if 1 <= number <= _MAX_ID else None


def view_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The JSON object a modal carries in its private_metadata; empty when it carries none."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def open_view(client: WebClient, body: dict[str, Any], view: dict[str, Any], failure: str) -> None:
    """Open a modal now (a trigger_id is good for 3 seconds); BatonError with `failure` if not.

    `failure` may hold `{code}`, Slack's error code.
    """
    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as error:
        raise BatonError(failure.format(code=error_code(error))) from error
