"""Listeners of check-ins: the DM's button and the form's submission (`/kpi checkin` is in
handlers/kpi.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.checkins import flows
from bot.checkins.blocks import saved_text
from bot.checkins.fields import FIELD_NAMES
from bot.core.blocks import input_value, notice
from bot.core.errors import NotFound
from bot.core.ids import CheckinAction, CheckinView
from bot.runtime.services import Services
from handlers.common import open_view, record_id, team_id, view_metadata

FORM_FAILED = "I could not open the check-in form (Slack said `{code}`); please try again."


def open_form(
    client: WebClient, body: dict[str, Any], services: Services, number: int | None
) -> None:
    """The check-in form of the person who asked, for sprint `number` (default: the last)."""
    view = flows.open_form(services, str(body.get("user_id") or body["user"]["id"]), number)
    open_view(client, body, view, FORM_FAILED)


def on_open(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    """The DM's button: the form for that sprint."""
    ack()
    sprint = record_id((body.get("actions") or [{}])[0].get("value"))
    if sprint is None:
        raise NotFound("That button no longer points at a sprint.")
    open_form(client, body, services, sprint)


def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services) -> None:
    """The form: every impossible number refused in place; otherwise saved, and said so."""
    number = record_id(view_metadata(view).get("sprint"))
    if number is None:
        raise NotFound("I lost track of which sprint this form was for; open it again.")
    state = view.get("state") or {}
    typed = {
        name: input_value(state, name)
        for name in FIELD_NAMES
        if name in (state.get("values") or {})
    }
    saved = flows.save_form(
        services,
        user_id=str(body["user"]["id"]),
        team_id=team_id(body),
        number=number,
        typed=typed,
    )
    if isinstance(saved, dict):
        ack(response_action="errors", errors=saved)
        return
    text = saved_text(saved.sprint, saved.numbers, saved.cleared)
    ack(response_action="update", view=notice(text, f"Sprint {number} check-in"))


def register(app: App) -> None:
    """The check-in DM's button and the check-in form."""
    app.action(CheckinAction.OPEN)(on_open)
    app.view(CheckinView.SUBMIT)(on_submit)
