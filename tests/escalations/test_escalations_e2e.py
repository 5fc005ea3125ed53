"""/escalate end to end: signed requests in, the fake Slack's calls and the database out."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.core.ids import EscalationAction, EscalationBlock, EscalationView
from bot.escalations.jobs import JOB, escalate_unacknowledged, subject
from storage import claims
from storage.models import Escalation, JobClaim
from tests.support.fake_slack import Call, FakeSlack
from tests.support.harness import Baton, state

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday


# -- helpers -----------------------------------------------------------------------------


def rows(baton: Baton) -> list[Escalation]:
    with baton.db.reading() as session:
        found = list(session.scalars(select(Escalation).order_by(Escalation.id)))
        # Detached before the read-only session rolls back, so the values stay readable.
        session.expunge_all()
        return found


def row(baton: Baton, escalation_id: int = 1) -> Escalation:
    found = {esc.id: esc for esc in rows(baton)}
    return found[escalation_id]


def posts(fake: FakeSlack, channel: str | None = None) -> list[Call]:
    return [
        c
        for c in fake.calls_to("chat.postMessage")
        if channel is None or c.args.get("channel") == channel
    ]


def buttons(blocks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (e["action_id"], e["value"])
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def responses(fake: FakeSlack) -> list[dict[str, Any]]:
    return [c.args for c in fake.calls_to("response_url")]


def escalate(baton: Baton, text: str, **kwargs: Any) -> dict[str, Any]:
    response = baton.command("/escalate", text, **kwargs)
    assert response.status_code == 200
    baton.settle()
    return response.json() if response.text else {}


def select_state(block: str, kind: str, **value: Any) -> dict[str, Any]:
    return {block: {"value": {"type": kind, **value}}}


def form(
    title: str = "Payments API timing out",
    severity: str | None = "sev1",
    owner: str | None = "UOWNER",
    description: str = "",
    link: str = "",
) -> dict[str, Any]:
    values = state(
        **{
            EscalationBlock.TITLE: title,
            EscalationBlock.DESCRIPTION: description or None,
            EscalationBlock.LINK: link or None,
        }
    )
    values |= select_state(
        EscalationBlock.SEVERITY,
        "static_select",
        selected_option={"value": severity} if severity else None,
    )
    values |= select_state(EscalationBlock.OWNER, "users_select", selected_user=owner)
    return values


def run_clock(baton: Baton, at: datetime) -> None:
    baton.set_now(at)
    escalate_unacknowledged(baton.services, at)
    baton.settle()


# -- /escalate TEXT ----------------------------------------------------------------------


def test_escalate_with_text_records_posts_dms_and_confirms(baton: Baton) -> None:
    fake = baton.fake_slack
    baton.set_now(T0)
    answer = escalate(baton, "sev2 <@UOWNER|owner> Checkout returns 500 on card payments")

    assert answer["response_type"] == "ephemeral"
    assert (
        "Escalation *#1* recorded (sev2): Checkout returns 500 on card payments."
        in (answer["text"])
    )
    [esc] = rows(baton)
    assert (esc.id, esc.severity, esc.status) == (1, 2, "open")
    assert (esc.reporter_id, esc.owner_id, esc.assignee_id) == ("UREPORTER", "UOWNER", "UOWNER")
    assert esc.title == "Checkout returns 500 on card payments"
    assert esc.created_at == T0

    [post] = posts(fake, "CGENERAL")
    assert buttons(post.args["blocks"]) == [
        (EscalationAction.ACKNOWLEDGE, "1"),
        (EscalationAction.RESOLVE, "1"),
    ]
    body = json.dumps(post.args["blocks"])
    assert "Escalation #1: Checkout returns 500 on card payments" in body
    assert "<@UOWNER>" in body and "<@UREPORTER>" in body
    assert "<!date^1772445600^{ago}|" in body
    assert esc.channel_id == "CGENERAL"
    assert esc.message_ts is not None

    [dm] = posts(fake, "UOWNER")
    assert dm.args["text"] == (
        "You own escalation #1 [sev2]: Checkout returns 500 on card payments"
    )
    link = f"https://slack.com/archives/CGENERAL/p{esc.message_ts.replace('.', '')}"
    assert link in json.dumps(dm.args["blocks"])

    # users.info answers are cached: a second escalation for the same owner asks no more.
    escalate(baton, "<@UOWNER|owner> low Slow admin page")
    assert len(fake.calls_to("users.info")) == 1
    assert rows(baton)[1].severity == 4


def test_a_rate_limited_owner_check_still_records_and_answers_at_once(baton: Baton) -> None:
    fake = baton.fake_slack
    # users.info runs before Slack gets its answer; waiting out 2 × Retry-After=2 s would
    # miss Slack's 3 seconds, and Slack would tell the user the command failed.
    fake.fail("users.info", status=429, retry_after=2, times=2)
    answer = escalate(baton, "sev2 <@UOWNER> Checkout returns 500 on card payments")
    assert "Escalation *#1* recorded (sev2)" in answer["text"]
    assert len(fake.calls_to("users.info")) == 1
    assert row(baton).owner_id == "UOWNER"


def test_defaults_come_from_settings_and_the_escalation_channel(make_baton) -> None:
    baton = make_baton(
        BATON_DEFAULT_SEVERITY="high",
        BATON_ESCALATION_OWNER="ULEVEL1",
        BATON_ESCALATION_CHANNEL="CESCALATIONS",
    )
    answer = escalate(baton, "Robert'); DROP TABLE escalations;-- &amp; 🔥 الخادم")
    [esc] = rows(baton)
    assert esc.title == "Robert'); DROP TABLE escalations;-- & 🔥 الخادم"
    assert (esc.severity, esc.owner_id) == (2, "ULEVEL1")
    assert "Posting it in <#CESCALATIONS>" in answer["text"]
    assert esc.channel_id == "CESCALATIONS"
    assert [c.args["channel"] for c in posts(baton.fake_slack)] == ["CESCALATIONS", "ULEVEL1"]
    # The configured owner is trusted; only typed mentions are looked up.
    assert baton.fake_slack.calls_to("users.info") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x" * 10_000, "The title is 10,000 characters long; the limit is 150."),
        ("sev1 " + "x" * 151, "The title is 151 characters long; the limit is 150."),
        ("sev1 <@UOWNER|owner>", "Give the escalation a title"),
        ("<@UNOBODY|ghost> Database down", "I can't find the user <@UNOBODY>"),
        ("<@UBOT|robot> Database down", "<@UBOT> is a bot"),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(
    baton: Baton, text: str, message: str
) -> None:
    baton.fake_slack.add_user("UBOT", is_bot=True)
    answer = escalate(baton, text)
    assert answer["response_type"] == "ephemeral"
    assert message in answer["text"]
    assert rows(baton) == []
    assert posts(baton.fake_slack) == []


def test_150_characters_of_emoji_are_accepted(baton: Baton) -> None:
    escalate(baton, "🔥" * 150)
    assert rows(baton)[0].title == "🔥" * 150


def test_posting_fails_the_row_stays_and_the_reporter_is_told(baton: Baton) -> None:
    fake = baton.fake_slack
    fake.fail("chat.postMessage", error="not_in_channel")
    answer = escalate(baton, "sev1 <@UOWNER> Database down")
    assert "#1" in answer["text"]

    [esc] = rows(baton)
    assert esc.status == "open" and esc.message_ts is None
    [told] = responses(fake)
    assert told["response_type"] == "ephemeral"
    assert told["replace_original"] is False
    assert "Escalation #1 is recorded, but I could not post it in <#CGENERAL>" in told["text"]
    assert "`/invite @Baton`" in told["text"]
    # The owner still got the DM.
    assert [c.args["channel"] for c in posts(fake)] == ["CGENERAL", "UOWNER"]


def test_list_shows_open_escalations_oldest_first(baton: Baton) -> None:
    for minutes, text in [(0, "sev3 First"), (5, "sev1 Second"), (10, "sev2 Third")]:
        baton.set_now(T0 + timedelta(minutes=minutes))
        escalate(baton, text)
    baton.set_now(T0 + timedelta(minutes=20))
    assert baton.block_action(EscalationAction.ACKNOWLEDGE, "3").status_code == 200
    baton.settle()
    baton.block_action(EscalationAction.RESOLVE, "1")
    baton.view_submission(
        EscalationView.RESOLVE, {}, private_metadata=json.dumps({"escalation_id": 1})
    )
    baton.settle()

    answer = escalate(baton, "LIST")
    assert answer["response_type"] == "ephemeral"
    sections = [b["text"]["text"] for b in answer["blocks"]]
    assert sections[0] == "*2 open escalations*, oldest first"
    assert sections[1].startswith("*#2* :red_circle: sev1 · *Second*\nOwner _nobody_ · Open")
    assert sections[2].startswith("*#3* :large_orange_circle: sev2 · *Third*")
    assert "Acknowledged" in sections[2]


@pytest.mark.parametrize("text", ["help", "list extra", "?", "lsit"])
def test_help_and_wrong_usage_show_usage(baton: Baton, text: str) -> None:
    answer = escalate(baton, text)
    assert answer["response_type"] == "ephemeral"
    assert "`/escalate list`" in answer["text"]
    assert rows(baton) == []
    assert posts(baton.fake_slack) == []


# -- the modal ---------------------------------------------------------------------------


def test_escalate_alone_opens_the_form(baton: Baton) -> None:
    response = baton.command("/escalate", "", channel="CTEAM")
    assert response.status_code == 200
    [opened] = baton.fake_slack.calls_to("views.open")
    assert opened.args["trigger_id"].startswith("trigger.")
    view = opened.args["view"]
    assert view["callback_id"] == EscalationView.CREATE
    assert json.loads(view["private_metadata"]) == {"channel_id": "CTEAM"}
    assert rows(baton) == []


def test_form_submission_creates_posts_and_confirms(baton: Baton) -> None:
    fake = baton.fake_slack
    baton.set_now(T0)
    response = baton.view_submission(
        EscalationView.CREATE,
        form(description="Since 09:40", link="https://status.example.com/42"),
        private_metadata=json.dumps({"channel_id": "CTEAM"}),
    )
    assert response.status_code == 200
    assert response.text == ""
    baton.settle()

    [esc] = rows(baton)
    assert (esc.title, esc.severity, esc.owner_id) == ("Payments API timing out", 1, "UOWNER")
    assert (esc.description, esc.link) == ("Since 09:40", "https://status.example.com/42")
    assert esc.source_channel_id == esc.channel_id == "CTEAM"
    [post] = posts(fake, "CTEAM")
    assert "https://status.example.com/42" in json.dumps(post.args["blocks"])
    [confirmation] = fake.calls_to("chat.postEphemeral")
    assert (confirmation.args["channel"], confirmation.args["user"]) == ("CTEAM", "UREPORTER")
    assert "Escalation *#1* recorded (sev1)" in confirmation.args["text"]
    assert len(posts(fake, "UOWNER")) == 1


def test_form_field_errors_store_nothing(baton: Baton) -> None:
    response = baton.view_submission(
        EscalationView.CREATE,
        form(title="   ", owner="UNOBODY", link="status page"),
        private_metadata=json.dumps({"channel_id": "CTEAM"}),
    )
    baton.settle()
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {
        EscalationBlock.TITLE: "Give the escalation a title.",
        EscalationBlock.LINK: "The link must be a web address starting with https:// or http://.",
        EscalationBlock.OWNER: answer["errors"][EscalationBlock.OWNER],
    }
    assert "I can't find the user <@UNOBODY>" in answer["errors"][EscalationBlock.OWNER]
    assert rows(baton) == []
    assert posts(baton.fake_slack) == []


def test_form_posting_failure_is_told_ephemerally_in_the_origin_channel(baton: Baton) -> None:
    fake = baton.fake_slack
    fake.fail("chat.postMessage", error="channel_not_found")
    baton.view_submission(
        EscalationView.CREATE, form(owner=None), private_metadata=json.dumps({"channel_id": "CX"})
    )
    baton.settle()
    [esc] = rows(baton)
    assert esc.message_ts is None
    told = [(c.args["channel"], c.args["text"]) for c in fake.calls_to("chat.postEphemeral")]
    # One message: the failure, which carries the number, instead of "posting it in #CX".
    assert [channel for channel, _ in told] == ["CX"]
    assert "Escalation #1 is recorded, but I could not post it in <#CX>" in told[0][1]
    assert "`/invite @Baton`" in told[0][1]


def test_form_confirmation_comes_by_dm_when_baton_cannot_post_ephemerally(baton: Baton) -> None:
    fake = baton.fake_slack
    fake.fail("chat.postEphemeral", error="not_in_channel")
    baton.view_submission(
        EscalationView.CREATE, form(owner=None), private_metadata=json.dumps({"channel_id": "CX"})
    )
    baton.settle()
    [dm] = posts(fake, "UREPORTER")
    assert "Escalation *#1* recorded" in dm.args["text"]


# -- acknowledge and resolve -------------------------------------------------------------


@pytest.fixture
def posted(baton: Baton) -> Baton:
    """Baton with escalation #1 (owner UOWNER, reporter UREPORTER) posted in CGENERAL."""
    baton.set_now(T0)
    escalate(baton, "sev2 <@UOWNER|owner> Checkout returns 500")
    baton.fake_slack.reset()
    return baton


def test_ack_by_owner_edits_the_message_in_place(posted: Baton) -> None:
    fake = posted.fake_slack
    acked_at = T0 + timedelta(minutes=7)
    posted.set_now(acked_at)
    assert posted.block_action(EscalationAction.ACKNOWLEDGE, "1", user="UOWNER").status_code == 200
    posted.settle()

    esc = row(posted)
    assert (esc.status, esc.acknowledged_by, esc.acknowledged_at) == (
        "acknowledged",
        "UOWNER",
        acked_at,
    )
    [update] = fake.calls_to("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (esc.channel_id, esc.message_ts)
    assert buttons(update.args["blocks"]) == [(EscalationAction.RESOLVE, "1")]
    assert "Acknowledged by <@UOWNER> <!date^1772446020^" in json.dumps(update.args["blocks"])
    assert responses(fake) == []


@pytest.mark.parametrize("user", ["UREPORTER", "UADMIN"])
def test_reporter_and_admin_may_acknowledge(posted: Baton, user: str) -> None:
    posted.block_action(EscalationAction.ACKNOWLEDGE, "1", user=user)
    posted.settle()
    assert row(posted).acknowledged_by == user


def test_ack_by_a_stranger_is_refused_and_changes_nothing(posted: Baton) -> None:
    fake = posted.fake_slack
    posted.block_action(EscalationAction.ACKNOWLEDGE, "1", user="UOTHER")
    posted.settle()
    assert row(posted).status == "open"
    [refusal] = responses(fake)
    assert refusal["response_type"] == "ephemeral"
    assert refusal["replace_original"] is False
    assert refusal["text"].startswith(
        "Only the owner, the reporter, the current assignee or a Baton admin can acknowledge"
    )
    assert fake.calls_to("chat.update") == []


def test_double_ack_changes_once_and_tells_the_second(posted: Baton) -> None:
    fake = posted.fake_slack
    posted.block_action(EscalationAction.ACKNOWLEDGE, "1", user="UOWNER")
    posted.settle()
    posted.set_now(T0 + timedelta(minutes=9))
    posted.block_action(EscalationAction.ACKNOWLEDGE, "1", user="UREPORTER")
    posted.settle()
    esc = row(posted)
    assert (esc.acknowledged_by, esc.acknowledged_at) == ("UOWNER", T0)
    assert len(fake.calls_to("chat.update")) == 1
    [note] = responses(fake)
    assert note["text"] == "Escalation #1 was already acknowledged by <@UOWNER>."


def test_two_clicks_at_once_change_once(posted: Baton) -> None:
    fake = posted.fake_slack
    clickers = ["UOWNER", "UREPORTER", "UADMIN", "UOWNER"]
    threads = [
        threading.Thread(
            target=posted.block_action, args=(EscalationAction.ACKNOWLEDGE, "1"), kwargs={"user": u}
        )
        for u in clickers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    posted.settle()
    esc = row(posted)
    assert esc.status == "acknowledged"
    assert esc.acknowledged_by in clickers
    assert len(fake.calls_to("chat.update")) == 1
    notes = [r["text"] for r in responses(fake)]
    assert notes == [f"Escalation #1 was already acknowledged by <@{esc.acknowledged_by}>."] * 3


def test_resolve_asks_a_note_then_resolves_and_removes_the_buttons(posted: Baton) -> None:
    fake = posted.fake_slack
    posted.block_action(EscalationAction.RESOLVE, "1", user="UOWNER")
    [opened] = fake.calls_to("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == EscalationView.RESOLVE
    assert row(posted).status == "open"

    resolved_at = T0 + timedelta(hours=1)
    posted.set_now(resolved_at)
    response = posted.view_submission(
        EscalationView.RESOLVE,
        state(**{EscalationBlock.NOTE: "  Rolled back the 09:40 deploy "}),
        user="UOWNER",
        private_metadata=view["private_metadata"],
    )
    assert response.status_code == 200 and response.text == ""
    posted.settle()

    esc = row(posted)
    assert (esc.status, esc.resolved_by, esc.resolved_at) == ("resolved", "UOWNER", resolved_at)
    assert esc.resolution_note == "Rolled back the 09:40 deploy"
    [update] = fake.calls_to("chat.update")
    assert buttons(update.args["blocks"]) == []
    assert "Rolled back the 09:40 deploy" in json.dumps(update.args["blocks"])

    # Resolve again: refused before any modal opens.
    posted.block_action(EscalationAction.RESOLVE, "1", user="UREPORTER")
    posted.settle()
    assert len(fake.calls_to("views.open")) == 1
    assert responses(fake)[-1]["text"] == "Escalation #1 was already resolved by <@UOWNER>."


def test_resolve_by_a_stranger_is_refused_at_click_and_at_submission(posted: Baton) -> None:
    fake = posted.fake_slack
    posted.block_action(EscalationAction.RESOLVE, "1", user="UOTHER")
    posted.settle()
    assert fake.calls_to("views.open") == []
    assert "can resolve escalation #1" in responses(fake)[0]["text"]

    response = posted.view_submission(
        EscalationView.RESOLVE,
        state(**{EscalationBlock.NOTE: "done"}),
        user="UOTHER",
        private_metadata=json.dumps({"escalation_id": 1}),
    )
    answer = response.json()
    assert answer["response_action"] == "update"
    assert "can resolve escalation #1" in json.dumps(answer["view"])
    assert row(posted).status == "open"


# -- reminders and levels ----------------------------------------------------------------


@pytest.fixture
def leveled(make_baton: Callable[..., Baton]) -> Baton:
    """Two levels, sev2 timeout 30 min; escalation #1 owned by UOWNER, posted at T0."""
    baton = make_baton(BATON_ESCALATION_LEVELS="ULEVEL1,ULEVEL2", BATON_SEV2_TIMEOUT="30m")
    baton.set_now(T0)
    escalate(baton, "sev2 <@UOWNER|owner> Checkout returns 500")
    baton.fake_slack.reset()
    return baton


def thread_posts(fake: FakeSlack) -> list[str]:
    return [c.args["text"] for c in fake.calls_to("chat.postMessage") if c.args.get("thread_ts")]


def test_reminder_at_t_and_move_at_2t_each_once(leveled: Baton) -> None:
    fake = leveled.fake_slack
    esc = row(leveled)
    run_clock(leveled, T0 + timedelta(minutes=29, seconds=59))
    assert fake.calls == []

    run_clock(leveled, T0 + timedelta(minutes=30))
    run_clock(leveled, T0 + timedelta(minutes=30))
    [reminder] = fake.calls_to("chat.postMessage")
    assert (reminder.args["channel"], reminder.args["thread_ts"]) == ("CGENERAL", esc.message_ts)
    assert reminder.args["text"].startswith(
        "<@UOWNER> reminder: escalation #1 has not been acknowledged after 30 min."
    )

    fake.reset()
    run_clock(leveled, T0 + timedelta(hours=1))
    run_clock(leveled, T0 + timedelta(hours=1, minutes=1))
    assert thread_posts(fake) == [
        "No acknowledgement after 1 h: escalated to <@ULEVEL1> (level 1)."
    ]
    [dm] = posts(fake, "ULEVEL1")
    assert "is now yours (level 1)" in dm.args["text"]
    [update] = fake.calls_to("chat.update")
    assert "*Assignee*\\n<@ULEVEL1> (level 1)" in json.dumps(update.args["blocks"])
    moved = row(leveled)
    assert (moved.level, moved.assignee_id, moved.status) == (1, "ULEVEL1", "open")

    # The level-1 person may now acknowledge; the reminders stop.
    leveled.block_action(EscalationAction.ACKNOWLEDGE, "1", user="ULEVEL1")
    leveled.settle()
    assert row(leveled).acknowledged_by == "ULEVEL1"
    fake.reset()
    run_clock(leveled, T0 + timedelta(hours=5))
    assert fake.calls_to("chat.postMessage") == []


def test_a_clock_that_was_down_does_the_missed_stages_in_order(leveled: Baton) -> None:
    fake = leveled.fake_slack
    run_clock(leveled, T0 + timedelta(hours=10))
    assert thread_posts(fake) == [
        "<@UOWNER> reminder: escalation #1 has not been acknowledged after 30 min. "
        "Please acknowledge it, or resolve it if it is done.",
        "No acknowledgement after 1 h: escalated to <@ULEVEL1> (level 1).",
        "<@ULEVEL1> reminder: escalation #1 has not been acknowledged after 1 h 30 min. "
        "Please acknowledge it, or resolve it if it is done.",
        "No acknowledgement after 2 h: escalated to <@ULEVEL2> (level 2).",
        "<@ULEVEL2> reminder: escalation #1 has not been acknowledged after 2 h 30 min. "
        "Please acknowledge it, or resolve it if it is done.",
    ]
    assert (row(leveled).level, row(leveled).assignee_id) == (2, "ULEVEL2")
    # Levels have run out: nothing more, ever.
    fake.reset()
    run_clock(leveled, T0 + timedelta(days=3))
    assert fake.calls == []


def test_two_clocks_at_once_send_each_stage_once(leveled: Baton) -> None:
    fake = leveled.fake_slack
    at = T0 + timedelta(hours=1)
    leveled.set_now(at)
    barrier = threading.Barrier(4)

    def clock() -> None:
        barrier.wait()
        escalate_unacknowledged(leveled.services, at)

    threads = [threading.Thread(target=clock) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    leveled.settle()
    assert len(thread_posts(fake)) == 2
    assert len(posts(fake, "ULEVEL1")) == 1
    with leveled.db.reading() as session:
        periods = sorted(session.scalars(select(JobClaim.period)))
    assert periods == ["1", "2"]


def test_a_failed_reminder_is_tried_again_at_the_next_tick(leveled: Baton) -> None:
    fake = leveled.fake_slack
    fake.fail("chat.postMessage", status=500, times=10)
    run_clock(leveled, T0 + timedelta(minutes=30))
    assert thread_posts(fake) and row(leveled).level == 0
    fake.reset()
    run_clock(leveled, T0 + timedelta(minutes=31))
    assert len(thread_posts(fake)) == 1


def test_a_reminder_slack_took_but_never_confirmed_is_not_posted_again(leveled: Baton) -> None:
    fake = leveled.fake_slack
    esc = row(leveled)
    # The reminder reaches the thread and its answer is lost; looking for it then fails too
    # (the first read, before posting, goes through), so the stage is given back.
    fake.fail("conversations.replies")  # no failure: answered as usual
    fake.fail("conversations.replies", status=500, times=3)
    fake.fail("chat.postMessage", accept=True, drop=True)
    run_clock(leveled, T0 + timedelta(minutes=30))
    with leveled.db.reading() as session:
        assert claims.claimed_periods(session, job=JOB, subject=subject(esc.id)) == set()
    # The next tick finds it in the thread and posts nothing more.
    run_clock(leveled, T0 + timedelta(minutes=31))
    in_thread = [m for m in fake.posts_in("CGENERAL") if m.get("thread_ts") == esc.message_ts]
    assert [m["text"][:40] for m in in_thread] == ["<@UOWNER> reminder: escalation #1 has no"]
    assert in_thread[0]["metadata"]["event_payload"] == {"ref": "escalation:1:stage:1"}


def test_never_posted_escalations_are_reminded_by_dm(make_baton: Callable[..., Baton]) -> None:
    baton = make_baton(BATON_ESCALATION_LEVELS="ULEVEL1", BATON_SEV1_TIMEOUT="15m")
    fake = baton.fake_slack
    fake.fail("chat.postMessage", error="channel_not_found")
    baton.set_now(T0)
    escalate(baton, "sev1 <@UOWNER|owner> Database down")
    assert row(baton).message_ts is None
    fake.reset()

    run_clock(baton, T0 + timedelta(minutes=15))
    [reminder] = posts(fake)
    assert reminder.args["channel"] == "UOWNER"
    assert (
        "reminder: escalation #1 has not been acknowledged after 15 min" in (reminder.args["text"])
    )
    fake.reset()
    run_clock(baton, T0 + timedelta(minutes=30))
    [moved] = posts(fake)
    assert moved.args["channel"] == "ULEVEL1"
    assert "was not acknowledged after 30 min and is now yours (level 1)" in moved.args["text"]
    assert fake.calls_to("chat.update") == []


def test_a_thread_slack_refuses_falls_back_to_a_dm(leveled: Baton) -> None:
    fake = leveled.fake_slack
    fake.fail("chat.postMessage", error="channel_not_found")
    run_clock(leveled, T0 + timedelta(minutes=30))
    assert [c.args["channel"] for c in posts(fake)] == ["CGENERAL", "UOWNER"]
    assert "reminder: escalation #1" in posts(fake, "UOWNER")[0].args["text"]
    fake.reset()
    run_clock(leveled, T0 + timedelta(minutes=45))
    assert fake.calls == []
