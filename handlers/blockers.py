"""Listeners for /blocker, its button and its modals."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocker_flows as flows
from bot import blockers as rules
from bot.blockers import BlockerRequest, CommandKind
from bot.blocks import blockers as blocks
from bot.blocks.common import input_value
from bot.errors import BatonError, InvalidInput, NotFound
from bot.ids import BlockerAction, BlockerBlock, BlockerView
from bot.replies import reply_target
from bot.services import Services
from bot.slack_client import error_code


def _team_id(body: dict[str, Any]) -> str:
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    return str(body.get("team_id") or (body.get("user") or {}).get("team_id") or "")


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        data = None
    return data if isinstance(data, dict) else {}


def _open(client: WebClient, body: dict[str, Any], view: dict[str, Any]) -> None:
    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as exc:
        error = error_code(exc)
        raise BatonError(
            f"Slack did not open the form (`{error}`); please try again. Nothing was changed."
        ) from exc


def register(app: App, services: Services) -> None:
    """Register the /blocker command, the Resolved button and both modals."""

    @app.command("/blocker")
    def on_blocker(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        user_id, channel_id = body["user_id"], body["channel_id"]
        command = rules.parse_command(body.get("text") or "")
        if command.kind is CommandKind.HELP:
            ack(response_type="ephemeral", **blocks.build_usage(command.problem))
        elif command.kind is CommandKind.LIST:
            ack(response_type="ephemeral", **flows.channel_list(services, channel_id))
        elif command.kind is CommandKind.MINE:
            ack(response_type="ephemeral", **flows.mine_list(services, user_id))
        elif command.kind is CommandKind.FORM:
            ack()
            # The trigger_id is only good for 3 seconds: open the form before anything else.
            _open(client, body, blocks.build_create_modal(channel_id))
        else:
            assert command.request is not None
            for waited_on in command.request.waits_on_users:
                services.users.require_person(
                    waited_on, role="someone a blocker waits on", allow_bots=True
                )
            card = flows.record(
                services,
                team_id=_team_id(body),
                reporter_id=user_id,
                channel_id=channel_id,
                request=command.request,
                reply=reply_target(user_id, response_url=body.get("response_url")),
            )
            confirmation = blocks.build_confirmation(card, flows.post_channel(services, card))
            ack(response_type="ephemeral", **confirmation)

    @app.view(BlockerView.CREATE)
    def on_create_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        state = view.get("state") or {}
        try:
            text = rules.check_text(input_value(state, BlockerBlock.TEXT) or "")
        except InvalidInput as exc:
            ack(response_action="errors", errors={BlockerBlock.TEXT: exc.user_message})
            return
        origin = _metadata(view).get("channel_id")
        if not origin:
            raise InvalidInput(
                "I lost track of the channel this form came from; run /blocker again."
            )
        request = BlockerRequest(
            text=text,
            waits_on_users=tuple(input_value(state, BlockerBlock.WAITS_ON_USERS) or ()),
            waits_on_channels=tuple(input_value(state, BlockerBlock.WAITS_ON_CHANNELS) or ()),
        )
        reporter_id = body["user"]["id"]
        flows.record(
            services,
            team_id=_team_id(body),
            reporter_id=reporter_id,
            channel_id=str(origin),
            request=request,
            reply=reply_target(reporter_id, channel_id=str(origin)),
            confirm=True,
        )
        ack()

    @app.action(BlockerAction.RESOLVE)
    def on_resolve_clicked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        value = str((body.get("actions") or [{}])[0].get("value") or "")
        if not value.isdigit():
            raise NotFound("That button no longer points at a blocker.")
        view = flows.resolve_form(services, int(value), body["user"]["id"])
        _open(client, body, view)

    @app.view(BlockerView.RESOLVE)
    def on_resolve_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user_id = body["user"]["id"]
        try:
            note = rules.check_note(input_value(view.get("state") or {}, BlockerBlock.NOTE))
        except InvalidInput as exc:
            ack(response_action="errors", errors={BlockerBlock.NOTE: exc.user_message})
            return
        blocker_id = _metadata(view).get("blocker_id")
        if not isinstance(blocker_id, int):
            raise NotFound("I lost track of which blocker this was; press Resolved again.")
        flows.resolve(services, blocker_id, user_id, note)
        ack()
