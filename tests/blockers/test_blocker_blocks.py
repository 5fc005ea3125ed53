"""Blocker Block Kit builders: plain values in, Slack-valid dicts out."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bot.blockers.blocks import (
    LIST_LIMIT,
    blocker_text,
    build_blocker_message,
    build_channel_list,
    build_confirmation,
    build_create_modal,
    build_mine_list,
    build_overdue_dm,
    build_overdue_reminder,
    build_post_failed,
    build_resolve_modal,
    build_resolved_message,
    build_usage,
)
from bot.blockers.rules import BlockerCard
from bot.core.durations import parse_duration
from bot.core.ids import INPUT, BlockerAction, BlockerBlock, BlockerView

CREATED = datetime(2024, 5, 16, 15, 0, tzinfo=UTC)  # epoch 1715871600
RESOLVED = datetime(2024, 5, 17, 10, 30, tzinfo=UTC)  # epoch 1715941800

CARD = BlockerCard(
    id=7,
    text="Need <@UOWNER|owner> to approve the <#CINFRA|infra> change & the VPN <rule>",
    reporter_id="UREPORTER",
    source_channel_id="CGENERAL",
    created_at=CREATED,
    waits_on_users=("UOWNER",),
    waits_on_channels=("CINFRA",),
    channel_id="CGENERAL",
    message_ts="1715871600.000100",
)


def _texts(message: dict[str, Any]) -> str:
    """Every piece of text in the blocks, joined, for reading what a user sees."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text"):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message["blocks"])
    return "\n".join(found)


def test_mentions_stay_mentions_and_the_rest_is_escaped() -> None:
    assert blocker_text(CARD.text) == (
        "Need <@UOWNER> to approve the <#CINFRA> change &amp; the VPN &lt;rule&gt;"
    )
    assert blocker_text("<!channel> now") == "&lt;!channel&gt; now"


def test_the_posted_message_shows_number_text_reporter_waits_age_and_button() -> None:
    message = build_blocker_message(CARD)
    text = _texts(message)
    assert "*Blocker #7*" in text
    assert ">Need <@UOWNER> to approve the <#CINFRA> change &amp; the VPN &lt;rule&gt;" in text
    assert "Raised by <@UREPORTER> <!date^1715871600^{ago}|2024-05-16 15:00 UTC>" in text
    assert "Waiting on <@UOWNER>, <#CINFRA>" in text
    actions = message["blocks"][-1]
    assert actions["type"] == "actions"
    assert actions["block_id"] == BlockerBlock.ACTIONS
    [resolve] = actions["elements"]
    assert resolve["action_id"] == BlockerAction.RESOLVE
    assert resolve["value"] == "7"
    assert resolve["text"]["text"] == "Resolved"
    assert message["text"].startswith("Blocker #7 raised by <@UREPORTER>")


def test_a_blocker_waiting_on_nobody_says_so() -> None:
    message = build_blocker_message(replace(CARD, waits_on_users=(), waits_on_channels=()))
    assert "Waiting on _nobody named_" in _texts(message)


def test_multiline_text_is_quoted_line_by_line() -> None:
    message = build_blocker_message(replace(CARD, text="first\nsecond"))
    assert ">first\n>second" in message["blocks"][0]["text"]["text"]


def test_the_resolved_message_has_who_when_note_and_no_button() -> None:
    card = replace(
        CARD,
        status="resolved",
        resolved_by="UOWNER",
        resolved_at=RESOLVED,
        resolution_note="Approved in <change board> & merged",
    )
    message = build_resolved_message(card)
    text = _texts(message)
    assert "Blocker #7: resolved" in text
    assert "Resolved by <@UOWNER> <!date^1715941800^" in text
    assert "*What unblocked it:*\nApproved in &lt;change board&gt; &amp; merged" in text
    assert all(block["type"] != "actions" for block in message["blocks"])
    assert message["text"] == "Blocker #7 resolved by <@UOWNER>"


def test_a_resolved_message_without_a_note_has_no_note_section() -> None:
    card = replace(CARD, status="resolved", resolved_by="UADMIN", resolved_at=RESOLVED)
    assert "What unblocked it" not in _texts(build_resolved_message(card))


def test_the_confirmation_names_the_number_and_channel() -> None:
    assert build_confirmation(CARD, "CBLOCKERS")["text"] == (
        ":white_check_mark: Blocker *#7* recorded. I'm posting it in <#CBLOCKERS>; "
        "anyone it waits on can resolve it there."
    )


def test_the_create_modal_has_text_people_and_channels_and_the_origin() -> None:
    view = build_create_modal("CGENERAL")
    assert view["callback_id"] == BlockerView.CREATE
    assert json.loads(view["private_metadata"]) == {"channel_id": "CGENERAL"}
    text, users, channels = view["blocks"]
    assert text["block_id"] == BlockerBlock.TEXT
    assert text["element"] == {
        "type": "plain_text_input",
        "action_id": INPUT,
        "multiline": True,
        "max_length": 500,
    }
    assert text["optional"] is False
    assert users["block_id"] == BlockerBlock.WAITS_ON_USERS
    assert users["element"]["type"] == "multi_users_select"
    assert users["optional"] is True
    assert channels["block_id"] == BlockerBlock.WAITS_ON_CHANNELS
    assert channels["element"]["type"] == "multi_conversations_select"
    assert channels["optional"] is True
    assert len(view["title"]["text"]) <= 24


def test_the_resolve_modal_asks_an_optional_note_of_up_to_3000() -> None:
    view = build_resolve_modal(CARD)
    assert view["callback_id"] == BlockerView.RESOLVE
    assert json.loads(view["private_metadata"]) == {"blocker_id": 7}
    assert view["title"]["text"] == "Resolve blocker #7"
    note = view["blocks"][-1]
    assert note["block_id"] == BlockerBlock.NOTE
    assert note["optional"] is True
    assert note["element"]["max_length"] == 3000
    assert note["element"]["multiline"] is True


def test_a_long_number_keeps_the_modal_title_within_slacks_limit() -> None:
    view = build_resolve_modal(replace(CARD, id=123_456_789_012))
    assert len(view["title"]["text"]) <= 24


def test_the_channel_list_shows_each_blocker_with_its_age_in_the_given_order() -> None:
    older = replace(CARD, id=3, text="old one", created_at=datetime(2024, 5, 1, 9, tzinfo=UTC))
    message = build_channel_list("CGENERAL", [older, CARD])
    text = _texts(message)
    assert "*Open blockers in <#CGENERAL>* (2, oldest first)" in text
    assert text.index("*#3*") < text.index("*#7*")
    assert "open <!date^1714554000^{ago}|2024-05-01 09:00 UTC>" in text
    assert "raised by <@UREPORTER>" in text


def test_an_empty_channel_list_says_so() -> None:
    assert build_channel_list("CGENERAL", [])["text"] == "No open blockers in <#CGENERAL>. :tada:"


def test_a_long_list_stays_within_slacks_50_blocks() -> None:
    cards = [replace(CARD, id=n) for n in range(1, 61)]
    message = build_channel_list("CGENERAL", cards)
    assert len(message["blocks"]) <= 50
    assert message["blocks"][-1]["elements"][0]["text"] == f"…and {60 - LIST_LIMIT} more."


def test_mine_labels_each_blocker() -> None:
    message = build_mine_list([(CARD, "raised by you"), (replace(CARD, id=8), "waits on you")])
    text = _texts(message)
    assert "*Your open blockers* (2, oldest first)" in text
    assert "*#7* · _raised by you_" in text
    assert "*#8* · _waits on you_" in text


def test_usage_lists_every_form() -> None:
    text = build_usage()["text"]
    for form in ("`/blocker TEXT`", "`/blocker`", "`/blocker list`", "`/blocker mine`"):
        assert form in text


def test_the_overdue_reminder_mentions_the_reporter_and_whom_it_waits_on() -> None:
    message = build_overdue_reminder(CARD, parse_duration("2bd"))
    assert message["text"].startswith(
        ":alarm_clock: Blocker #7 has been open for more than 2 business days"
    )
    assert "<@UREPORTER>, <@UOWNER>, <#CINFRA>: what would unblock it?" in message["text"]


def test_the_overdue_dm_quotes_the_blocker() -> None:
    message = build_overdue_dm(replace(CARD, channel_id=None), parse_duration("2bd"))
    assert "Your blocker #7 has been open for more than 2 business days" in message["text"]
    assert "in <#CGENERAL>" in message["text"]


def test_a_failed_post_tells_the_reporter_what_to_do() -> None:
    assert "Invite me with `/invite @Baton`" in build_post_failed(
        CARD, "CGENERAL", "not_in_channel"
    )
    assert "I cannot see <#CSECRET>" in build_post_failed(CARD, "CSECRET", "channel_not_found")
    other = build_post_failed(CARD, "CGENERAL", "msg_too_long")
    assert "Blocker *#7* is recorded" in other
    assert "`msg_too_long`" in other
