"""/blocker end to end: signed requests in, the fake Slack's calls and the database out."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from bot.blockers.jobs import remind_overdue_blockers
from bot.core.ids import BlockerAction, BlockerBlock, BlockerView
from storage.models import Blocker
from tests.support.fake_slack import Call
from tests.support.harness import Baton, state

# Thursday 15:00 UTC; with the default calendar (UTC, Mon–Fri 09:00–18:00) and SLA (2 business
# days = 18 working hours) it is due Monday 2024-05-20 15:00 UTC: 3 h Thu + 9 h Fri + 6 h Mon.
RAISED = datetime(2024, 5, 16, 15, 0, tzinfo=UTC)
DUE = datetime(2024, 5, 20, 15, 0, tzinfo=UTC)


# -- helpers ---------------------------------------------------------------------------------


def _blockers(baton: Baton) -> list[dict[str, Any]]:
    with baton.db.reading() as session:
        rows = session.scalars(select(Blocker).order_by(Blocker.id)).all()
        return [
            {
                "id": row.id,
                "text": row.text,
                "status": row.status,
                "reporter_id": row.reporter_id,
                "source_channel_id": row.source_channel_id,
                "channel_id": row.channel_id,
                "message_ts": row.message_ts,
                "created_at": row.created_at,
                "resolved_at": row.resolved_at,
                "resolved_by": row.resolved_by,
                "resolution_note": row.resolution_note,
                "waits": sorted((w.kind, w.target_id) for w in row.waits_on),
            }
            for row in rows
        ]


def _count(baton: Baton) -> int:
    with baton.db.reading() as session:
        return session.scalar(select(func.count()).select_from(Blocker)) or 0


def _texts(blocks: list[dict[str, Any]]) -> str:
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

    walk(blocks)
    return "\n".join(found)


def _raise(baton: Baton, text: str, *, user: str = "UREPORTER", channel: str = "CGENERAL") -> int:
    """Raise a blocker by slash command; its id, after its message is posted."""
    response = baton.command("/blocker", text, user=user, channel=channel)
    assert response.status_code == 200, response.text
    baton.settle()
    return int(_blockers(baton)[-1]["id"])


def _posts(baton: Baton, channel: str | None = None) -> list[Call]:
    return [
        call
        for call in baton.fake_slack.calls_to("chat.postMessage")
        if channel is None or call.args["channel"] == channel
    ]


def _submit_resolve(
    baton: Baton, blocker_id: int, user: str, note: str | None = None
) -> requests.Response:
    return baton.view_submission(
        BlockerView.RESOLVE,
        state(**{BlockerBlock.NOTE: note}),
        user=user,
        private_metadata=json.dumps({"blocker_id": blocker_id}),
    )


@pytest.fixture
def at_raise_time(baton: Baton) -> Baton:
    baton.set_now(RAISED)
    return baton


# -- raising with /blocker TEXT -------------------------------------------------------------


def test_a_blocker_with_mentions_is_recorded_posted_and_confirmed(at_raise_time: Baton) -> None:
    baton = at_raise_time
    response = baton.command(
        "/blocker", "Need prod creds from <@UOWNER|owner> and <#CINFRA|infra> &amp; a VPN"
    )
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith(":white_check_mark: Blocker *#1* recorded.")
    assert "posting it in <#CGENERAL>" in answer["text"]
    baton.settle()

    [row] = _blockers(baton)
    assert row["text"] == "Need prod creds from <@UOWNER|owner> and <#CINFRA|infra> & a VPN"
    assert row["status"] == "open"
    assert row["reporter_id"] == "UREPORTER"
    assert row["source_channel_id"] == "CGENERAL"
    assert row["created_at"] == RAISED
    assert row["waits"] == [("channel", "CINFRA"), ("user", "UOWNER")]

    [post] = _posts(baton)
    assert post.args["channel"] == "CGENERAL"
    text = _texts(post.args["blocks"])
    assert "*Blocker #1*" in text
    assert "Need prod creds from <@UOWNER> and <#CINFRA> &amp; a VPN" in text
    assert "Raised by <@UREPORTER> <!date^1715871600^{ago}|2024-05-16 15:00 UTC>" in text
    assert "Waiting on <@UOWNER>, <#CINFRA>" in text
    [button] = post.args["blocks"][-1]["elements"]
    assert (button["action_id"], button["value"]) == (BlockerAction.RESOLVE, "1")
    # Where it was posted is kept, to edit it in place later.
    assert row["channel_id"] == "CGENERAL"
    assert re.fullmatch(r"\d+\.\d{6}", row["message_ts"])


def test_the_blocker_channel_setting_takes_the_post(make_baton: Callable[..., Baton]) -> None:
    baton = make_baton(BATON_BLOCKER_CHANNEL="CBLOCKERS")
    response = baton.command("/blocker", "Staging is down", channel="CTEAM")
    assert "posting it in <#CBLOCKERS>" in response.json()["text"]
    baton.settle()
    [post] = _posts(baton)
    assert post.args["channel"] == "CBLOCKERS"
    [row] = _blockers(baton)
    assert (row["source_channel_id"], row["channel_id"]) == ("CTEAM", "CBLOCKERS")


@pytest.mark.parametrize(
    "text",
    [
        "🚧 سيرفر الاختبار متوقف 🙏🏽",
        "'; DROP TABLE blockers; --",
        "x" * 500,
    ],
)
def test_text_is_stored_exactly_as_typed(baton: Baton, text: str) -> None:
    assert baton.command("/blocker", text).status_code == 200
    baton.settle()
    assert _blockers(baton)[0]["text"] == text


def test_501_characters_are_refused_and_nothing_is_stored(baton: Baton) -> None:
    answer = baton.command("/blocker", "x" * 501).json()
    assert answer["response_type"] == "ephemeral"
    assert "501 characters long; the limit is 500" in answer["text"]
    assert "Nothing was recorded" in answer["text"]
    baton.settle()
    assert _count(baton) == 0
    assert _posts(baton) == []


def test_10000_characters_are_refused(baton: Baton) -> None:
    answer = baton.command("/blocker", "y" * 10_000).json()
    assert "10,000 characters long" in answer["text"]
    assert _count(baton) == 0


def test_blank_text_is_refused(baton: Baton) -> None:
    answer = baton.command("/blocker", " \u3000 ").json()
    assert "needs a description" in answer["text"]
    baton.settle()
    assert _count(baton) == 0
    assert baton.fake_slack.calls_to("views.open") == []


def test_an_unknown_user_is_refused_and_nothing_is_stored(baton: Baton) -> None:
    answer = baton.command("/blocker", "Waiting on <@UGHOST|ghost> for keys").json()
    assert answer["response_type"] == "ephemeral"
    assert "I can't find the user <@UGHOST>" in answer["text"]
    baton.settle()
    assert _count(baton) == 0
    assert _posts(baton) == []


def test_a_deactivated_user_is_refused(baton: Baton) -> None:
    baton.fake_slack.add_user("UGONE", deleted=True)
    answer = baton.command("/blocker", "Waiting on <@UGONE>").json()
    assert "deactivated" in answer["text"]
    assert _count(baton) == 0


def test_users_info_answers_are_cached(baton: Baton) -> None:
    _raise(baton, "one <@UOWNER>")
    _raise(baton, "two <@UOWNER>")
    baton.command("/blocker", "three <@UGHOST>")
    baton.command("/blocker", "four <@UGHOST>")
    asked = [call.args["user"] for call in baton.fake_slack.calls_to("users.info")]
    assert asked == ["UOWNER", "UGHOST"]
    assert _count(baton) == 2


def test_a_failed_post_keeps_the_blocker_and_tells_the_reporter(baton: Baton) -> None:
    baton.fake_slack.fail("chat.postMessage", error="not_in_channel")
    answer = baton.command("/blocker", "Waiting on the vendor", channel="CQUIET").json()
    assert "Blocker *#1* recorded" in answer["text"]
    baton.settle()
    [row] = _blockers(baton)
    assert row["status"] == "open"
    assert row["channel_id"] is None and row["message_ts"] is None
    [told] = baton.fake_slack.calls_to("response_url")
    assert told.args["response_type"] == "ephemeral"
    assert told.args["replace_original"] is False
    assert "Blocker *#1* is recorded, but I could not post it in <#CQUIET>" in told.args["text"]
    assert "/invite @Baton" in told.args["text"]
    # Nothing was posted twice, and there is no second attempt behind the user's back.
    assert len(_posts(baton)) == 1


def test_help_and_usage(baton: Baton) -> None:
    for text in ("help", "HELP", "--help", "mien"):
        answer = baton.command("/blocker", text).json()
        assert answer["response_type"] == "ephemeral"
        assert "`/blocker list`" in answer["text"]
    assert _count(baton) == 0


# -- raising with the form -------------------------------------------------------------------


def test_no_text_opens_the_form_and_submitting_it_records_and_posts(at_raise_time: Baton) -> None:
    baton = at_raise_time
    response = baton.command("/blocker", "", channel="CTEAM")
    assert response.status_code == 200
    [opened] = baton.fake_slack.calls_to("views.open")
    assert opened.args["trigger_id"].startswith("trigger.")
    view = opened.args["view"]
    assert view["callback_id"] == BlockerView.CREATE
    assert json.loads(view["private_metadata"]) == {"channel_id": "CTEAM"}

    values = {
        BlockerBlock.TEXT: {"value": {"type": "plain_text_input", "value": " Need a <b>VPN</b> "}},
        BlockerBlock.WAITS_ON_USERS: {
            "value": {"type": "multi_users_select", "selected_users": ["UOWNER", "ULEVEL1"]}
        },
        BlockerBlock.WAITS_ON_CHANNELS: {
            "value": {"type": "multi_conversations_select", "selected_conversations": ["CINFRA"]}
        },
    }
    submitted = baton.view_submission(
        BlockerView.CREATE, values, private_metadata=view["private_metadata"]
    )
    assert submitted.status_code == 200
    assert submitted.text == ""  # the modal closes
    baton.settle()

    [row] = _blockers(baton)
    assert row["text"] == "Need a <b>VPN</b>"
    assert row["source_channel_id"] == "CTEAM"
    assert row["waits"] == [("channel", "CINFRA"), ("user", "ULEVEL1"), ("user", "UOWNER")]
    [post] = _posts(baton)
    assert post.args["channel"] == "CTEAM"
    assert "Need a &lt;b&gt;VPN&lt;/b&gt;" in _texts(post.args["blocks"])
    assert "Waiting on <@UOWNER>, <@ULEVEL1>, <#CINFRA>" in _texts(post.args["blocks"])
    [confirmation] = baton.fake_slack.calls_to("chat.postEphemeral")
    assert confirmation.args["channel"] == "CTEAM"
    assert confirmation.args["user"] == "UREPORTER"
    assert "Blocker *#1* recorded" in confirmation.args["text"]


def test_the_form_refuses_text_over_500_with_an_inline_error(baton: Baton) -> None:
    submitted = baton.view_submission(
        BlockerView.CREATE,
        state(**{BlockerBlock.TEXT: "x" * 501}),
        private_metadata=json.dumps({"channel_id": "CTEAM"}),
    )
    answer = submitted.json()
    assert answer["response_action"] == "errors"
    assert "501 characters long" in answer["errors"][BlockerBlock.TEXT]
    assert _count(baton) == 0


def test_a_form_blocker_that_cannot_be_posted_is_kept_and_the_reporter_gets_a_dm(
    baton: Baton,
) -> None:
    # Slack refuses both a post and an ephemeral message in a channel Baton cannot see.
    baton.fake_slack.fail("chat.postMessage", error="channel_not_found")
    baton.fake_slack.fail("chat.postEphemeral", error="channel_not_found")
    baton.view_submission(
        BlockerView.CREATE,
        state(**{BlockerBlock.TEXT: "Waiting on legal"}),
        private_metadata=json.dumps({"channel_id": "CSECRET"}),
    )
    baton.settle()
    [row] = _blockers(baton)
    assert row["channel_id"] is None
    failed, dm = _posts(baton)
    assert failed.args["channel"] == "CSECRET"
    assert dm.args["channel"] == "UREPORTER"
    assert "Blocker *#1* is recorded, but I could not post it in <#CSECRET>" in dm.args["text"]
    [ephemeral] = baton.fake_slack.calls_to("chat.postEphemeral")
    assert ephemeral.args["channel"] == "CSECRET"


# -- resolving -------------------------------------------------------------------------------


@pytest.mark.parametrize("resolver", ["UREPORTER", "UOWNER", "UADMIN"])
def test_reporter_waited_on_person_or_admin_resolves_through_the_modal(
    at_raise_time: Baton, resolver: str
) -> None:
    baton = at_raise_time
    blocker_id = _raise(baton, "Need creds from <@UOWNER>")
    [post] = _posts(baton)
    ts = _blockers(baton)[0]["message_ts"]

    clicked = baton.block_action(BlockerAction.RESOLVE, str(blocker_id), user=resolver)
    assert clicked.status_code == 200
    baton.settle()
    [opened] = baton.fake_slack.calls_to("views.open")
    assert opened.args["view"]["callback_id"] == BlockerView.RESOLVE
    metadata = opened.args["view"]["private_metadata"]
    assert json.loads(metadata) == {"blocker_id": blocker_id}

    resolved_at = RAISED + timedelta(hours=20)
    baton.set_now(resolved_at)
    submitted = baton.view_submission(
        BlockerView.RESOLVE,
        state(**{BlockerBlock.NOTE: "Creds rotated & shared"}),
        user=resolver,
        private_metadata=metadata,
    )
    assert submitted.status_code == 200
    assert submitted.text == ""
    baton.settle()

    [row] = _blockers(baton)
    assert row["status"] == "resolved"
    assert row["resolved_at"] == resolved_at
    assert row["resolved_by"] == resolver
    assert row["resolution_note"] == "Creds rotated & shared"
    [update] = baton.fake_slack.calls_to("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (post.args["channel"], ts)
    text = _texts(update.args["blocks"])
    assert "Blocker #1: resolved" in text
    assert f"Resolved by <@{resolver}> <!date^{int(resolved_at.timestamp())}^" in text
    assert "*What unblocked it:*\nCreds rotated &amp; shared" in text
    assert all(block["type"] != "actions" for block in update.args["blocks"])


def test_a_resolve_without_a_note_is_fine(baton: Baton) -> None:
    blocker_id = _raise(baton, "CI is red")
    _submit_resolve(baton, blocker_id, "UREPORTER", None)
    baton.settle()
    [row] = _blockers(baton)
    assert (row["status"], row["resolution_note"]) == ("resolved", None)
    assert len(baton.fake_slack.calls_to("chat.update")) == 1


def test_a_stranger_is_refused_at_click_and_at_submission(baton: Baton) -> None:
    blocker_id = _raise(baton, "Need creds from <@UOWNER>")
    before = _blockers(baton)

    baton.block_action(BlockerAction.RESOLVE, str(blocker_id), user="UOTHER")
    baton.settle()
    assert baton.fake_slack.calls_to("views.open") == []
    [refusal] = baton.fake_slack.calls_to("response_url")
    assert refusal.args["response_type"] == "ephemeral"
    assert refusal.args["replace_original"] is False
    assert "Only the person who raised blocker #1" in refusal.args["text"]

    submitted = _submit_resolve(baton, blocker_id, "UOTHER", "sneaky")
    answer = submitted.json()
    assert answer["response_action"] == "update"
    assert "Only the person who raised blocker #1" in _texts(answer["view"]["blocks"])
    baton.settle()
    assert _blockers(baton) == before
    assert baton.fake_slack.calls_to("chat.update") == []


def test_a_second_resolve_changes_nothing_and_says_so(baton: Baton) -> None:
    blocker_id = _raise(baton, "Need creds from <@UOWNER>")
    baton.set_now(RAISED)
    _submit_resolve(baton, blocker_id, "UOWNER", "first")
    baton.set_now(RAISED + timedelta(minutes=5))
    second = _submit_resolve(baton, blocker_id, "UREPORTER", "second")
    assert "Blocker #1 was already resolved by <@UOWNER>" in _texts(second.json()["view"]["blocks"])
    baton.settle()
    [row] = _blockers(baton)
    assert (row["resolved_by"], row["resolution_note"], row["resolved_at"]) == (
        "UOWNER",
        "first",
        RAISED,
    )
    assert len(baton.fake_slack.calls_to("chat.update")) == 1

    # The button of an already resolved blocker answers the same, without a modal.
    baton.block_action(BlockerAction.RESOLVE, str(blocker_id), user="UADMIN")
    baton.settle()
    assert baton.fake_slack.calls_to("views.open") == []
    [note] = baton.fake_slack.calls_to("response_url")
    assert "already resolved by <@UOWNER>" in note.args["text"]


def test_two_resolves_at_once_change_the_blocker_once(baton: Baton) -> None:
    blocker_id = _raise(baton, "Need creds from <@UOWNER>")
    answers: list[requests.Response] = []
    start = threading.Barrier(2)

    def submit(user: str) -> None:
        start.wait()
        answers.append(_submit_resolve(baton, blocker_id, user, f"by {user}"))

    threads = [threading.Thread(target=submit, args=(u,)) for u in ("UOWNER", "UREPORTER")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    baton.settle()

    bodies = sorted(answer.text for answer in answers)
    assert bodies[0] == ""  # the winner's modal closed
    assert "already resolved" in bodies[1]
    [row] = _blockers(baton)
    assert row["resolution_note"] == f"by {row['resolved_by']}"
    assert len(baton.fake_slack.calls_to("chat.update")) == 1


def test_a_note_over_3000_characters_is_refused_inline(baton: Baton) -> None:
    blocker_id = _raise(baton, "CI is red")
    answer = _submit_resolve(baton, blocker_id, "UREPORTER", "n" * 3001).json()
    assert answer["response_action"] == "errors"
    assert BlockerBlock.NOTE in answer["errors"]
    assert _blockers(baton)[0]["status"] == "open"


# -- list and mine ---------------------------------------------------------------------------


def test_list_shows_the_channels_open_blockers_oldest_first(
    make_baton: Callable[..., Baton],
) -> None:
    baton = make_baton(BATON_BLOCKER_CHANNEL="CBLOCKERS")
    # Created out of order in time, to see the list sort by age and not by number.
    baton.set_now(RAISED)
    _raise(baton, "second oldest", channel="CTEAM")
    baton.set_now(RAISED - timedelta(days=2))
    _raise(baton, "oldest", channel="CTEAM")
    baton.set_now(RAISED + timedelta(hours=1))
    _raise(baton, "elsewhere", channel="COTHER")
    _raise(baton, "resolved already", channel="CTEAM")
    _submit_resolve(baton, 4, "UREPORTER")
    baton.settle()

    answer = baton.command("/blocker", "list", channel="CTEAM").json()
    assert answer["response_type"] == "ephemeral"
    text = _texts(answer["blocks"])
    assert "*Open blockers in <#CTEAM>* (2, oldest first)" in text
    assert text.index("oldest") < text.index("second oldest")
    assert text.index("*#2*") < text.index("*#1*")
    assert "elsewhere" not in text and "resolved already" not in text
    assert f"open <!date^{int((RAISED - timedelta(days=2)).timestamp())}^{{ago}}" in text

    # Posted to the blocker channel: listed there too.
    posted = _texts(baton.command("/blocker", "list", channel="CBLOCKERS").json()["blocks"])
    assert "(3, oldest first)" in posted
    assert "elsewhere" in posted

    assert (
        "No open blockers in <#CEMPTY>"
        in baton.command("/blocker", "list", channel="CEMPTY").json()["text"]
    )
    assert _count(baton) == 4


def test_mine_shows_what_the_caller_raised_or_waits_on_labelled(baton: Baton) -> None:
    baton.set_now(RAISED)
    _raise(baton, "raised by owner", user="UOWNER")
    baton.set_now(RAISED + timedelta(hours=1))
    _raise(baton, "waits on owner <@UOWNER>", user="UREPORTER")
    baton.set_now(RAISED + timedelta(hours=2))
    _raise(baton, "not about owner <@ULEVEL1>", user="UREPORTER")
    baton.set_now(RAISED + timedelta(hours=3))
    _raise(baton, "self <@UOWNER>", user="UOWNER", channel="CTEAM")

    answer = baton.command("/blocker", "mine", user="UOWNER").json()
    assert answer["response_type"] == "ephemeral"
    text = _texts(answer["blocks"])
    assert "*Your open blockers* (3, oldest first)" in text
    assert "*#1* · _raised by you_" in text
    assert "*#2* · _waits on you_" in text
    assert "*#4* · _raised by you, waits on you_" in text
    assert "*#3*" not in text
    assert text.index("*#1*") < text.index("*#2*") < text.index("*#4*")

    empty = baton.command("/blocker", "mine", user="UADMIN").json()
    assert "No open blockers raised by you or waiting on you" in empty["text"]


# -- the overdue reminder --------------------------------------------------------------------


def _reminders(baton: Baton) -> list[Call]:
    return [call for call in _posts(baton) if call.args.get("thread_ts")]


def test_the_reminder_comes_once_at_the_deadline_in_the_thread(at_raise_time: Baton) -> None:
    baton = at_raise_time
    _raise(baton, "Need creds from <@UOWNER> in <#CINFRA>")
    ts = _blockers(baton)[0]["message_ts"]

    remind_overdue_blockers(baton.services, DUE - timedelta(seconds=1))
    assert _reminders(baton) == []

    remind_overdue_blockers(baton.services, DUE)
    remind_overdue_blockers(baton.services, DUE + timedelta(minutes=1))
    [reminder] = _reminders(baton)
    assert reminder.args["channel"] == "CGENERAL"
    assert reminder.args["thread_ts"] == ts
    assert "Blocker #1 has been open for more than 2 business days" in reminder.args["text"]
    assert "<@UREPORTER>, <@UOWNER>, <#CINFRA>" in reminder.args["text"]


def test_two_clocks_at_once_send_one_reminder(at_raise_time: Baton) -> None:
    baton = at_raise_time
    for n in range(3):
        _raise(baton, f"blocker {n}")
    start = threading.Barrier(4)

    def tick() -> None:
        start.wait()
        remind_overdue_blockers(baton.services, DUE + timedelta(hours=1))

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(call.args["text"].split(" has ")[0] for call in _reminders(baton)) == [
        ":alarm_clock: Blocker #1",
        ":alarm_clock: Blocker #2",
        ":alarm_clock: Blocker #3",
    ]


def test_a_clock_that_was_down_reminds_when_it_returns(at_raise_time: Baton) -> None:
    baton = at_raise_time
    _raise(baton, "Waiting on design")
    remind_overdue_blockers(baton.services, DUE + timedelta(days=9))
    assert len(_reminders(baton)) == 1


def test_a_resolved_blocker_gets_no_reminder(at_raise_time: Baton) -> None:
    baton = at_raise_time
    blocker_id = _raise(baton, "Waiting on design")
    _submit_resolve(baton, blocker_id, "UREPORTER")
    baton.settle()
    remind_overdue_blockers(baton.services, DUE + timedelta(hours=1))
    assert _reminders(baton) == []


def test_a_blocker_never_posted_is_reminded_by_dm(at_raise_time: Baton) -> None:
    baton = at_raise_time
    baton.fake_slack.fail("chat.postMessage", error="not_in_channel")
    _raise(baton, "Waiting on <@UOWNER>", channel="CQUIET")
    remind_overdue_blockers(baton.services, DUE)
    remind_overdue_blockers(baton.services, DUE + timedelta(minutes=1))
    dms = [call for call in _posts(baton) if call.args["channel"] == "UREPORTER"]
    assert len(dms) == 1
    assert "Your blocker #1 has been open for more than 2 business days" in dms[0].args["text"]


def test_a_reminder_slack_fails_is_retried_next_tick(at_raise_time: Baton) -> None:
    baton = at_raise_time
    _raise(baton, "Waiting on design")
    # More 500s than the client retries: the tick fails quietly and gives its claim back.
    baton.fake_slack.fail("chat.postMessage", status=500, times=10)
    remind_overdue_blockers(baton.services, DUE)
    assert len(_reminders(baton)) >= 1  # attempts, all answered 500
    baton.fake_slack.reset()
    remind_overdue_blockers(baton.services, DUE + timedelta(minutes=1))
    remind_overdue_blockers(baton.services, DUE + timedelta(minutes=2))
    assert len(_reminders(baton)) == 1


def test_a_form_slack_will_not_open_is_explained(baton: Baton) -> None:
    baton.fake_slack.fail("views.open", error="expired_trigger_id")
    answer = baton.command("/blocker", "").json()
    assert answer["response_type"] == "ephemeral"
    assert "Slack did not open the form (`expired_trigger_id`)" in answer["text"]
    assert _count(baton) == 0
