"""Listeners of a workspace's settings: the App Home's button and the form's submission
(`/kpi settings` is in handlers/kpi.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.config.workspace import NAMES
from bot.core.blocks import input_value, notice
from bot.core.ids import SettingsAction, SettingsView
from bot.runtime.services import Services
from bot.settings import flows
from bot.settings.blocks import TITLE, saved_text
from handlers.common import open_view, team_id

FORM_FAILED = "I could not open the settings form (Slack said `{code}`); please try again."


def open_form(client: WebClient, body: dict[str, Any], services: Services) -> None:
    """The settings form of the workspace, for the admin who asked; refused to anyone else."""
    user_id = str(body.get("user_id") or body["user"]["id"])
    view = flows.open_form(services, user_id=user_id, team_id=team_id(body))
    open_view(client, body, view, FORM_FAILED)


def on_open(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    """The App Home's button: the form."""
    ack()
    open_form(client, body, services)


def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services) -> None:
    """The form: each value that cannot be read refused in place, nothing saved; otherwise the
    changes saved, and listed."""
    state = view.get("state") or {}
    values = state.get("values") or {}
    typed = {name: input_value(state, name) for name in NAMES if name in values}
    saved = flows.save_form(
        services, user_id=str(body["user"]["id"]), team_id=team_id(body), typed=typed
    )
    if isinstance(saved, dict):
        ack(response_action="errors", errors=saved)
        return
    ack(response_action="update", view=notice(saved_text(saved), TITLE))


def register(app: App) -> None:
    """The App Home's settings button and the settings form."""
    app.action(SettingsAction.OPEN)(on_open)
    app.view(SettingsView.SUBMIT)(on_submit)
