"""Listeners for /escalate, its buttons and its modals."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.core.blocks import input_value
from bot.core.errors import BatonError, NotFound
from bot.core.ids import EscalationAction, EscalationBlock, EscalationView
from bot.core.slack_text import typed
from bot.escalations import flows
from bot.escalations.blocks import (
    build_confirmation,
    build_create_modal,
    build_resolve_modal,
    build_usage,
)
from bot.escalations.rules import (
    Create,
    ListOpen,
    OpenForm,
    ShowUsage,
    check_note,
    parse_command,
    read_form,
)
from bot.runtime.replies import reply_target
from bot.runtime.services import Services
from handlers.common import open_view, record_id, team_id, view_metadata

_FORM_BLOCKS = {
    "title": EscalationBlock.TITLE,
    "severity": EscalationBlock.SEVERITY,
    "description": EscalationBlock.DESCRIPTION,
    "link": EscalationBlock.LINK,
    "owner": EscalationBlock.OWNER,
}


def _escalation_id(raw: Any) -> int:
    number = record_id(raw)
    if number is None:
        raise NotFound("That escalation does not exist any more.")
    return number


def on_escalate(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    """`/escalate`: record one, open the form, list the open ones, or explain the usage."""
    settings = services.settings
    command = parse_command(
        typed(body.get("text")),
        default_severity=settings.escalations.default_severity,
        default_owner=settings.escalations.owner,
    )
    channel_id = str(body.get("channel_id") or "")
    if isinstance(command, OpenForm):
        ack()
        open_view(
            client,
            body,
            build_create_modal(settings.escalations.default_severity, channel_id),
            "I could not open the form (Slack said `{code}`). "
            "Try again, or type `/escalate [severity] [@owner] title`.",
        )
        return
    if isinstance(command, ListOpen):
        ack(response_type="ephemeral", **flows.list_open(services, team_id(body)))
        return
    if isinstance(command, ShowUsage):
        usage = build_usage(
            settings.escalations.default_severity, settings.escalations.owner, command.problem
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
        team_id=team_id(body),
        reporter_id=reporter_id,
        source_channel_id=channel_id,
        reply=reply_target(reporter_id, response_url=body.get("response_url")),
    )
    target = flows.post_channel(settings, channel_id)
    ack(response_type="ephemeral", **build_confirmation(esc, target))


def on_create_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services
) -> None:
    """The form: each wrong field is refused inline; a good one records the escalation."""
    settings = services.settings
    state = view.get("state") or {}
    chosen_owner = input_value(state, EscalationBlock.OWNER)
    draft, errors = read_form(
        title=input_value(state, EscalationBlock.TITLE),
        severity=input_value(state, EscalationBlock.SEVERITY),
        owner_id=chosen_owner,
        description=input_value(state, EscalationBlock.DESCRIPTION),
        link=input_value(state, EscalationBlock.LINK),
        default_severity=settings.escalations.default_severity,
        default_owner=settings.escalations.owner,
    )
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
    channel_id = str(view_metadata(view).get("channel_id") or "")
    flows.record(
        services,
        draft,
        team_id=team_id(body),
        reporter_id=reporter_id,
        source_channel_id=channel_id or reporter_id,
        reply=reply_target(reporter_id, channel_id=channel_id or None),
        # A modal has no reply of its own to carry the number: the announcement tells it.
        confirm=True,
    )
    ack()


def on_acknowledge(ack: Ack, body: dict[str, Any], services: Services) -> None:
    """The Acknowledge button."""
    ack()
    escalation_id = _escalation_id(body["actions"][0].get("value"))
    user_id = str(body["user"]["id"])
    reply = reply_target(user_id, response_url=body.get("response_url"))
    flows.acknowledge(services, escalation_id, user_id, reply)


def on_resolve_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, services: Services
) -> None:
    """The Resolve button: the resolution form, for someone who may resolve it."""
    ack()
    escalation_id = _escalation_id(body["actions"][0].get("value"))
    esc = flows.check_may_resolve(services, escalation_id, str(body["user"]["id"]))
    open_view(
        client,
        body,
        build_resolve_modal(esc),
        "I could not open the resolution form (Slack said `{code}`). Please click Resolve again.",
    )


def on_resolve_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services
) -> None:
    """The resolution form: resolve once, with the optional note."""
    try:
        note = check_note(input_value(view.get("state") or {}, EscalationBlock.NOTE))
    except BatonError as error:
        ack(response_action="errors", errors={EscalationBlock.NOTE: error.user_message})
        return
    user_id = str(body["user"]["id"])
    escalation_id = _escalation_id(view_metadata(view).get("escalation_id"))
    channel_id = flows.load(services, escalation_id).channel_id
    flows.resolve(
        services, escalation_id, user_id, note, reply_target(user_id, channel_id=channel_id)
    )
    ack()


def register(app: App) -> None:
    """/escalate, the Acknowledge and Resolve buttons and the two modals."""
    app.command("/escalate")(on_escalate)
    app.view(EscalationView.CREATE)(on_create_submitted)
    app.action(EscalationAction.ACKNOWLEDGE)(on_acknowledge)
    app.action(EscalationAction.RESOLVE)(on_resolve_clicked)
    app.view(EscalationView.RESOLVE)(on_resolve_submitted)
