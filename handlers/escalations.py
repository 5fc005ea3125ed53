"""Listeners for /escalate, its buttons and its modals."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import escalation_flows as flows
from bot.blocks.common import input_value
from bot.blocks.escalations import (
    build_confirmation,
    build_create_modal,
    build_resolve_modal,
    build_usage,
)
from bot.errors import BatonError, NotFound
from bot.escalations import (
    Create,
    ListOpen,
    OpenForm,
    ShowUsage,
    check_note,
    parse_command,
    read_form,
)
from bot.ids import EscalationAction, EscalationBlock, EscalationView
from bot.replies import reply_target
from bot.services import Services
from bot.slack_client import error_code

log = logging.getLogger(__name__)

_FORM_BLOCKS = {
    "title": EscalationBlock.TITLE,
    "severity": EscalationBlock.SEVERITY,
    "description": EscalationBlock.DESCRIPTION,
    "link": EscalationBlock.LINK,
    "owner": EscalationBlock.OWNER,
}


def _team_id(body: dict[str, Any]) -> str:
    return str(body.get("team_id") or (body.get("team") or {}).get("id") or "")


def _escalation_id(raw: Any) -> int:
    try:
        return int(str(raw))
    except ValueError:
        raise NotFound("That escalation does not exist any more.") from None


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def register(app: App, services: Services) -> None:
    """Register /escalate, the Acknowledge and Resolve buttons and the two modals."""
    settings = services.settings

    @app.command("/escalate")
    def on_escalate(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        command = parse_command(
            str(body.get("text") or ""),
            default_severity=settings.default_severity,
            default_owner=settings.escalation_owner,
        )
        channel_id = str(body.get("channel_id") or "")
        if isinstance(command, OpenForm):
            ack()
            # The trigger_id lasts 3 seconds: open the modal now, not in the background.
            try:
                client.views_open(
                    trigger_id=body["trigger_id"],
                    view=build_create_modal(settings.default_severity, channel_id),
                )
            except SlackApiError as error:
                raise BatonError(
                    f"I could not open the form (Slack said `{error_code(error)}`). "
                    "Try again, or type `/escalate [severity] [@owner] title`."
                ) from error
            return
        if isinstance(command, ListOpen):
            ack(response_type="ephemeral", **flows.list_open(services, _team_id(body)))
            return
        if isinstance(command, ShowUsage):
            usage = build_usage(
                settings.default_severity, settings.escalation_owner, command.problem
            )
            ack(response_type="ephemeral", **usage)
            return
        assert isinstance(command, Create)
        if command.owner_mentioned and command.draft.owner_id:
            services.users.require_person(command.draft.owner_id, role="an escalation's owner")
        reporter_id = str(body["user_id"])
        esc = flows.record(
            services,
            command.draft,
            team_id=_team_id(body),
            reporter_id=reporter_id,
            source_channel_id=channel_id,
            reply=reply_target(reporter_id, response_url=body.get("response_url")),
        )
        target = flows.post_channel(settings, channel_id)
        ack(response_type="ephemeral", **build_confirmation(esc, target))

    @app.view(EscalationView.CREATE)
    def on_create_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        state = view.get("state") or {}
        draft, errors = read_form(
            title=input_value(state, EscalationBlock.TITLE),
            severity=input_value(state, EscalationBlock.SEVERITY),
            owner_id=input_value(state, EscalationBlock.OWNER),
            description=input_value(state, EscalationBlock.DESCRIPTION),
            link=input_value(state, EscalationBlock.LINK),
            default_severity=settings.default_severity,
            default_owner=settings.escalation_owner,
        )
        chosen_owner = input_value(state, EscalationBlock.OWNER)
        if chosen_owner:
            try:
                services.users.require_person(chosen_owner, role="an escalation's owner")
            except BatonError as error:
                errors["owner"] = error.user_message
        if draft is None or errors:
            ack(
                response_action="errors",
                errors={_FORM_BLOCKS[name]: text for name, text in errors.items()},
            )
            return
        reporter_id = str(body["user"]["id"])
        channel_id = str(_metadata(view).get("channel_id") or "")
        source_channel_id = channel_id or reporter_id
        flows.record(
            services,
            draft,
            team_id=_team_id(body),
            reporter_id=reporter_id,
            source_channel_id=source_channel_id,
            reply=reply_target(reporter_id, channel_id=channel_id or None),
            # A modal has no reply of its own to carry the number: the announcement tells it.
            confirm=True,
        )
        ack()

    @app.action(EscalationAction.ACKNOWLEDGE)
    def on_acknowledge(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        escalation_id = _escalation_id(body["actions"][0].get("value"))
        user_id = str(body["user"]["id"])
        reply = reply_target(user_id, response_url=body.get("response_url"))
        flows.acknowledge(services, escalation_id, user_id, reply)

    @app.action(EscalationAction.RESOLVE)
    def on_resolve_clicked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        escalation_id = _escalation_id(body["actions"][0].get("value"))
        esc = flows.check_may_resolve(services, escalation_id, str(body["user"]["id"]))
        try:
            client.views_open(trigger_id=body["trigger_id"], view=build_resolve_modal(esc))
        except SlackApiError as error:
            raise BatonError(
                f"I could not open the resolution form (Slack said "
                f"`{error_code(error)}`). Please click Resolve again."
            ) from error

    @app.view(EscalationView.RESOLVE)
    def on_resolve_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            note = check_note(input_value(view.get("state") or {}, EscalationBlock.NOTE))
        except BatonError as error:
            ack(response_action="errors", errors={EscalationBlock.NOTE: error.user_message})
            return
        user_id = str(body["user"]["id"])
        escalation_id = _escalation_id(_metadata(view).get("escalation_id"))
        channel_id = flows.load(services, escalation_id).channel_id
        flows.resolve(
            services, escalation_id, user_id, note, reply_target(user_id, channel_id=channel_id)
        )
        ack()
