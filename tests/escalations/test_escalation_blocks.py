"""Escalation Block Kit builders: pure functions from values to dicts."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bot.core.ids import INPUT, EscalationAction, EscalationBlock, EscalationView
from bot.core.severity import Severity
from bot.escalations.blocks import (
    already_text,
    build_create_modal,
    build_escalation_message,
    build_list,
    build_owner_dm,
    build_resolve_modal,
    build_usage,
    message_link,
    moved_text,
    posting_failed_text,
    reminder_text,
    rich,
)
from bot.escalations.rules import Snapshot

CREATED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)
ESC = Snapshot(
    id=12,
    title="Checkout returns 500",
    severity=Severity.SEV2,
    status="open",
    reporter_id="UREPORTER",
    owner_id="UOWNER",
    assignee_id="UOWNER",
    level=0,
    source_channel_id="CGENERAL",
    created_at=CREATED,
    channel_id="CESC",
    message_ts="1772445600.000100",
)


def _buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (element["action_id"], element["value"])
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def _all_text(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


def test_open_escalation_has_both_buttons_with_its_id() -> None:
    message = build_escalation_message(ESC, NOW)
    assert _buttons(message) == [
        (EscalationAction.ACKNOWLEDGE, "12"),
        (EscalationAction.RESOLVE, "12"),
    ]
    actions = [b for b in message["blocks"] if b["type"] == "actions"]
    assert actions[0]["block_id"] == EscalationBlock.ACTIONS


def test_message_shows_number_severity_title_owner_reporter_and_age() -> None:
    message = build_escalation_message(ESC, NOW)
    assert message["text"] == (
        "Escalation #12 [sev2] Checkout returns 500: open, opened 2 h 30 min ago by <@UREPORTER>"
    )
    body = _all_text(message)
    assert "*Escalation #12: Checkout returns 500*" in body
    assert "SEV2 · high" in body
    assert "*Owner*\\n<@UOWNER>" in body
    assert "*Reporter*\\n<@UREPORTER>" in body
    # 2026-03-02 10:00 UTC is epoch 1772445600; Slack renders the age live.
    assert "<!date^1772445600^{ago}|2026-03-02 10:00 UTC>" in body
    assert "Assignee" not in body


def test_acknowledged_keeps_only_resolve_and_says_who_and_when() -> None:
    acked = replace(
        ESC,
        status="acknowledged",
        acknowledged_by="UOWNER",
        acknowledged_at=datetime(2026, 3, 2, 10, 5, tzinfo=UTC),
    )
    message = build_escalation_message(acked, NOW)
    assert _buttons(message) == [(EscalationAction.RESOLVE, "12")]
    assert "Acknowledged by <@UOWNER> <!date^1772445900^" in _all_text(message)


def test_resolved_has_no_buttons_and_shows_the_note() -> None:
    resolved = replace(
        ESC,
        status="resolved",
        acknowledged_by="UOWNER",
        acknowledged_at=datetime(2026, 3, 2, 10, 5, tzinfo=UTC),
        resolved_by="UADMIN",
        resolved_at=datetime(2026, 3, 2, 11, 0, tzinfo=UTC),
        resolution_note="Rolled back <deploy> & restarted",
    )
    message = build_escalation_message(resolved, NOW)
    assert _buttons(message) == []
    assert not [b for b in message["blocks"] if b["type"] == "actions"]
    body = _all_text(message)
    assert "Resolved by <@UADMIN> <!date^1772449200^" in body
    assert "Rolled back &lt;deploy&gt; &amp; restarted" in body


def test_level_assignee_is_shown_after_a_move() -> None:
    moved = replace(ESC, level=1, assignee_id="ULEVEL1")
    assert "*Assignee*\\n<@ULEVEL1> (level 1)" in _all_text(build_escalation_message(moved, NOW))


def test_description_and_link_when_given() -> None:
    full = replace(ESC, description="Since the 10:00 deploy", link="https://status.example.com/1")
    body = _all_text(build_escalation_message(full, NOW))
    assert "Since the 10:00 deploy" in body
    assert "https://status.example.com/1" in body


def test_user_text_is_escaped_but_mentions_survive() -> None:
    assert rich("a <b> & <@UOWNER|owner>") == "a &lt;b&gt; &amp; <@UOWNER>"


def test_owner_dm_links_to_the_message_and_has_buttons() -> None:
    dm = build_owner_dm(ESC)
    assert dm["text"] == "You own escalation #12 [sev2]: Checkout returns 500"
    assert "https://slack.com/archives/CESC/p1772445600000100" in _all_text(dm)
    assert _buttons(dm)[0] == (EscalationAction.ACKNOWLEDGE, "12")
    assert message_link("C1", "1.000200") == "https://slack.com/archives/C1/p1000200"


def test_reminder_and_move_texts() -> None:
    assert reminder_text(ESC, "30 min").startswith(
        "<@UOWNER> reminder: escalation #12 has not been acknowledged after 30 min."
    )
    unowned = replace(ESC, owner_id=None, assignee_id=None)
    assert "has no owner" in reminder_text(unowned, "30 min")
    moved = replace(ESC, level=1, assignee_id="ULEVEL1")
    assert (
        moved_text(moved, "1 h")
        == "No acknowledgement after 1 h: escalated to <@ULEVEL1> (level 1)."
    )


def test_list_oldest_first_with_number_severity_title_owner_status_age() -> None:
    older = replace(ESC, id=3, title="Old one", severity=Severity.SEV1)
    newer = replace(ESC, id=7, title="New one", status="acknowledged")
    message = build_list([older, newer], NOW)
    sections = [b["text"]["text"] for b in message["blocks"]]
    assert sections[0] == "*2 open escalations*, oldest first"
    assert sections[1].startswith("*#3* :red_circle: sev1 · *Old one*\nOwner <@UOWNER> · Open")
    assert sections[2].startswith("*#7* :large_orange_circle: sev2 · *New one*")
    assert "Acknowledged" in sections[2]
    assert "opened <!date^1772445600^{ago}|" in sections[1]
    assert build_list([], NOW) == {"text": "No open escalations. :tada:"}


def test_usage_mentions_the_subcommand_rule_and_defaults() -> None:
    usage = build_usage(Severity.SEV3, None, "`list` takes nothing after it.")
    assert usage["text"].startswith(":warning: `list` takes nothing after it.")
    assert "`/escalate sev3 list page is slow`" in usage["text"]
    assert "(default sev3)" in usage["text"]


def test_create_modal_fields_and_channel_in_metadata() -> None:
    view = build_create_modal(Severity.SEV2, "CGENERAL")
    assert view["callback_id"] == EscalationView.CREATE
    assert json.loads(view["private_metadata"]) == {"channel_id": "CGENERAL"}
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert list(blocks) == [
        EscalationBlock.TITLE,
        EscalationBlock.SEVERITY,
        EscalationBlock.OWNER,
        EscalationBlock.DESCRIPTION,
        EscalationBlock.LINK,
    ]
    assert all(b["element"]["action_id"] == INPUT for b in blocks.values())
    assert blocks[EscalationBlock.TITLE]["element"]["max_length"] == 150
    severity = blocks[EscalationBlock.SEVERITY]["element"]
    assert severity["type"] == "static_select"
    assert severity["initial_option"]["value"] == "sev2"
    assert [o["value"] for o in severity["options"]] == ["sev1", "sev2", "sev3", "sev4"]
    assert blocks[EscalationBlock.OWNER]["element"]["type"] == "users_select"
    assert blocks[EscalationBlock.OWNER]["optional"] is True
    description = blocks[EscalationBlock.DESCRIPTION]["element"]
    assert description["multiline"] is True
    assert description["max_length"] == 3000
    assert blocks[EscalationBlock.LINK]["optional"] is True


def test_resolve_modal_asks_an_optional_note() -> None:
    view = build_resolve_modal(ESC)
    assert view["callback_id"] == EscalationView.RESOLVE
    assert json.loads(view["private_metadata"]) == {"escalation_id": 12}
    note = view["blocks"][-1]
    assert note["block_id"] == EscalationBlock.NOTE
    assert note["optional"] is True
    assert note["element"]["max_length"] == 3000
    assert len(view["title"]["text"]) <= 24


def test_posting_failure_says_what_to_do() -> None:
    text = posting_failed_text(12, "CGENERAL", "not_in_channel", configured=False)
    assert "Escalation #12 is recorded" in text
    assert "`/invite @Baton`" in text
    configured = posting_failed_text(12, "CESC", "channel_not_found", configured=True)
    assert "BATON_ESCALATION_CHANNEL" in configured


def test_already_texts() -> None:
    acked = replace(ESC, status="acknowledged", acknowledged_by="UOWNER")
    assert already_text(acked) == "Escalation #12 was already acknowledged by <@UOWNER>."
    resolved = replace(ESC, status="resolved", resolved_by="UADMIN")
    assert already_text(resolved) == "Escalation #12 was already resolved by <@UADMIN>."
