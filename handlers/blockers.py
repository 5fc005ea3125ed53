"""Listeners for /blocker, its button and its modals."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blockers import blocks, flows, rules
from bot.blockers.rules import BlockerRequest, CommandKind
from bot.core.blocks import input_value
from bot.core.errors import InvalidInput, NotFound
from bot.core.ids import BlockerAction, BlockerBlock, BlockerView
from bot.core.slack_text import typed
from bot.runtime.replies import reply_target
from bot.runtime.services import Services
from handlers.common import open_view, record_id, team_id, view_metadata

_FORM_FAILED = "Slack did not open the form (`{code}`); please try again. Nothing was changed."


def on_blocker(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    """`/blocker`: record one, open the form, list the channel's or one's own, or the usage."""
    user_id, channel_id = body["user_id"], body["channel_id"]
    command = rules.parse_command(typed(body.get("text")))
    if command.kind is CommandKind.HELP:
        ack(response_type="ephemeral", **blocks.build_usage(command.problem))
    elif command.kind is CommandKind.LIST:
        ack(response_type="ephemeral", **flows.channel_list(services, channel_id))
    elif command.kind is CommandKind.MINE:
        ack(response_type="ephemeral", **flows.mine_list(services, user_id))
    elif command.kind is CommandKind.FORM:
        ack()
        open_view(client, body, blocks.build_create_modal(channel_id), _FORM_FAILED)
    else:
        assert command.request is not None
        for waited_on in command.request.waits_on_users:
            services.users.require_person(
                waited_on, role="someone a blocker waits on", allow_bots=True
            )
        card = flows.record(
            services,
            team_id=team_id(body),
            reporter_id=user_id,
            channel_id=channel_id,
            request=command.request,
            reply=reply_target(user_id, response_url=body.get("response_url")),
        )
        confirmation = blocks.build_confirmation(card, flows.post_channel(services, card))
        ack(response_type="ephemeral", **confirmation)


def on_create_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services
) -> None:
    """The form: a blocker with whom it waits on."""
    state = view.get("state") or {}
    try:
        text = rules.check_text(input_value(state, BlockerBlock.TEXT) or "")
    except InvalidInput as exc:
        ack(response_action="errors", errors={BlockerBlock.TEXT: exc.user_message})
        return
    origin = view_metadata(view).get("channel_id")
    if not origin:
        raise InvalidInput("I lost track of the channel this form came from; run /blocker again.")
    request = BlockerRequest(
        text=text,
        waits_on_users=tuple(input_value(state, BlockerBlock.WAITS_ON_USERS) or ()),
        waits_on_channels=tuple(input_value(state, BlockerBlock.WAITS_ON_CHANNELS) or ()),
    )
    reporter_id = body["user"]["id"]
    flows.record(
        services,
        team_id=team_id(body),
        reporter_id=reporter_id,
        channel_id=str(origin),
        request=request,
        reply=reply_target(reporter_id, channel_id=str(origin)),
        confirm=True,
    )
    ack()


def on_resolve_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, services: Services
) -> None:
    """The Resolved button: the resolution form, for someone who may resolve it."""
    ack()
    blocker_id = record_id((body.get("actions") or [{}])[0].get("value"))
    if blocker_id is None:
        raise NotFound("That button no longer points at a blocker.")
    view = flows.resolve_form(services, blocker_id, body["user"]["id"])
    open_view(client, body, view, _FORM_FAILED)


def on_resolve_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services
) -> None:
    """The resolution form: resolve once, with what unblocked it."""
    try:
        note = rules.check_note(input_value(view.get("state") or {}, BlockerBlock.NOTE))
    except InvalidInput as exc:
        ack(response_action="errors", errors={BlockerBlock.NOTE: exc.user_message})
        return
    blocker_id = record_id(view_metadata(view).get("blocker_id"))
    if blocker_id is None:
        raise NotFound("I lost track of which blocker this was; press Resolved again.")
    flows.resolve(services, blocker_id, body["user"]["id"], note)
    ack()


def register(app: App) -> None:
    """/blocker, the Resolved button and both modals."""
    app.command("/blocker")(on_blocker)
    app.view(BlockerView.CREATE)(on_create_submitted)
    app.action(BlockerAction.RESOLVE)(on_resolve_clicked)
    app.view(BlockerView.RESOLVE)(on_resolve_submitted)
