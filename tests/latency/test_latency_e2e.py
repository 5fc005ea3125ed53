"""Response latency through signed Events API deliveries and /kpi, as Slack and a user see it.

Every expected number below is worked out by hand from the README's definitions. Unless a test
says otherwise Baton runs on Bogotá time (UTC−5, no daylight saving), 09:00–18:00, Mon–Fri,
with Colombia's public holidays.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import MetaData, create_engine, select

from bot.kpi.answers import answer
from bot.latency.jobs import refresh_sides
from storage import messages
from storage.models import Message, SideMember
from tests.support.harness import Baton

BOGOTA = ZoneInfo("America/Bogota")
NEW_YORK = ZoneInfo("America/New_York")
CHANNEL = "CGENERAL"
COLOMBIA = {"BATON_TIMEZONE": "America/Bogota", "BATON_HOLIDAYS": "CO"}

_serial = itertools.count(1)


def slack_ts(moment: datetime) -> str:
    """A Slack ts at `moment`; the microseconds keep two messages of one second apart."""
    return f"{int(moment.timestamp())}.{next(_serial):06d}"


def post(
    baton: Baton,
    at: datetime,
    user: str,
    text: str,
    *,
    channel: str = CHANNEL,
    thread: str | None = None,
    ts: str | None = None,
    event_id: str | None = None,
    retry_num: int | None = None,
    **extra: Any,
) -> str:
    """A person's message delivered as Slack delivers it; returns its ts."""
    ts = ts or slack_ts(at)
    event: dict[str, Any] = {
        "type": "message",
        "channel": channel,
        "channel_type": "channel",
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        **extra,
    }
    if thread is not None:
        event["thread_ts"] = thread
    response = baton.event(event, event_id=event_id, retry_num=retry_num)
    assert response.status_code == 200
    return ts


def stored(baton: Baton, ts: str, channel: str = CHANNEL) -> Message:
    with baton.db.reading() as session:
        row = messages.message(session, channel, ts)
        assert row is not None, f"message {ts} was not stored"
        session.expunge(row)
    return row


def latency(baton: Baton, now: datetime, days: int = 7, channel: str | None = None) -> dict:
    baton.set_now(now)
    return json.loads(json.dumps(answer(baton.services, "latency", days=days, channel=channel)))


@pytest.fixture
def colombia(make_baton: Callable[..., Baton]) -> Baton:
    return make_baton(**COLOMBIA)


# -- answers, each from the definition ---------------------------------------------------


def test_a_reply_in_its_thread_answers_a_top_level_question(colombia: Baton) -> None:
    asked = datetime(2026, 11, 23, 10, 0, tzinfo=BOGOTA)  # a Monday
    question = post(colombia, asked, "UREPORTER", "Anyone know why CI is red?")
    post(colombia, asked + timedelta(minutes=5), "UOTHER", "lunch at 12")  # not in the thread
    reply = post(colombia, asked + timedelta(minutes=20), "UOWNER", "flaky test", thread=question)
    row = stored(colombia, question)
    assert (row.wait_kind, row.is_question) == ("question", True)
    assert (row.answer_ts, row.answer_user) == (reply, "UOWNER")
    assert (row.wall_seconds, row.business_seconds) == (1200.0, 1200.0)
    assert stored(colombia, reply).wait_kind is None  # a reply with "?" inside a thread waits not


def test_a_mention_is_answered_by_the_person_anywhere_in_the_channel(colombia: Baton) -> None:
    asked = datetime(2026, 11, 23, 10, 0, tzinfo=BOGOTA)
    ask = post(colombia, asked, "UREPORTER", "<@UOWNER|owner> please check the logs")
    post(colombia, asked + timedelta(minutes=1), "UOTHER", "I can't", thread=ask)
    post(colombia, asked + timedelta(minutes=2), "UOWNER", "hi", channel="COTHER")
    elsewhere = post(colombia, asked + timedelta(minutes=30), "UOWNER", "on it, new thread")
    row = stored(colombia, ask)
    assert row.wait_kind == "mention" and row.is_question is False
    assert (row.answer_ts, row.answer_user, row.wall_seconds) == (elsewhere, "UOWNER", 1800.0)


def test_a_self_reply_answers_nothing(colombia: Baton) -> None:
    asked = datetime(2026, 11, 23, 10, 0, tzinfo=BOGOTA)
    question = post(colombia, asked, "UREPORTER", "Is staging down?")
    post(colombia, asked + timedelta(minutes=3), "UREPORTER", "anyone?", thread=question)
    assert stored(colombia, question).answer_ts is None
    note = post(colombia, asked + timedelta(minutes=4), "UREPORTER", "<@UREPORTER> remember this")
    assert stored(colombia, note).wait_kind is None  # mentioning oneself is no mention
    post(colombia, asked + timedelta(minutes=9), "UOWNER", "yes", thread=question)
    assert stored(colombia, question).wall_seconds == 540.0


def test_a_bot_reply_answers_nothing(colombia: Baton) -> None:
    colombia.fake_slack.add_user("UJIRA", is_bot=True)
    asked = datetime(2026, 11, 23, 10, 0, tzinfo=BOGOTA)
    question = post(colombia, asked, "UREPORTER", "Is the deploy done?")
    bot_reply = {
        "type": "message", "subtype": "bot_message", "channel": CHANNEL, "bot_id": "BJENKINS",
        "text": "Deploy finished", "ts": slack_ts(asked + timedelta(minutes=1)),
        "thread_ts": question,
    }  # fmt: skip
    assert colombia.event(bot_reply).status_code == 200
    post(colombia, asked + timedelta(minutes=2), "UJIRA", "Ticket BAT-1 updated", thread=question)
    assert stored(colombia, question).answer_ts is None
    # Mentioning only a bot is no mention: without a question mark nothing waits.
    ping = post(colombia, asked + timedelta(minutes=3), "UREPORTER", "<@UJIRA> deploy staging")
    assert stored(colombia, ping).wait_kind is None
    ping_bot = post(colombia, asked + timedelta(minutes=4), "UREPORTER", "<@UBATON> help")
    assert stored(colombia, ping_bot).wait_kind is None
    bots = [call for call in colombia.fake_slack.calls_to("users.info")]
    assert {call.args["user"] for call in bots} >= {"UREPORTER", "UJIRA"}


def test_a_mention_of_two_people_is_answered_by_whichever_speaks_first(colombia: Baton) -> None:
    asked = datetime(2026, 11, 23, 10, 0, tzinfo=BOGOTA)
    ask = post(colombia, asked, "UREPORTER", "<@UOWNER> <@UOTHER> the build is broken")
    second = post(colombia, asked + timedelta(minutes=7), "UOTHER", "looking", thread=ask)
    post(colombia, asked + timedelta(minutes=30), "UOWNER", "thanks UOTHER")
    row = stored(colombia, ask)
    assert (row.answer_ts, row.answer_user, row.wall_seconds) == (second, "UOTHER", 420.0)


def test_friday_evening_to_tuesday_across_a_weekend_and_a_public_holiday(colombia: Baton) -> None:
    # Monday 16 Nov 2026 is a public holiday in Colombia; Friday 17:50 → Tuesday 09:10 is
    # 10 business minutes on Friday and 10 on Tuesday.
    friday = datetime(2026, 11, 13, 17, 50, tzinfo=BOGOTA)
    question = post(colombia, friday, "UREPORTER", "Can someone approve the release?")
    tuesday = datetime(2026, 11, 17, 9, 10, tzinfo=BOGOTA)
    post(colombia, tuesday, "UOWNER", "approved", thread=question)
    row = stored(colombia, question)
    assert row.business_seconds == 20 * 60
    assert row.wall_seconds == (3 * 24 + 15) * 3600 + 20 * 60
    # Without the holiday the same wait ends on Monday 09:10, and is 20 business minutes too.
    friday_after = datetime(2026, 11, 20, 17, 50, tzinfo=BOGOTA)
    later = post(colombia, friday_after, "UREPORTER", "<@UOWNER> approve this one?")
    post(colombia, datetime(2026, 11, 23, 9, 10, tzinfo=BOGOTA), "UOWNER", "done")
    assert stored(colombia, later).business_seconds == 20 * 60


def test_a_wait_across_a_daylight_saving_change(make_baton: Callable[..., Baton]) -> None:
    # New York leaves daylight saving time on Sunday 1 Nov 2026. Friday 17:00 EDT (21:00 UTC)
    # to Monday 10:00 EST (15:00 UTC): 66 hours, of which Friday 17–18 and Monday 9–10 work.
    baton = make_baton(BATON_TIMEZONE="America/New_York")
    question = post(baton, datetime(2026, 10, 30, 21, 0, tzinfo=UTC), "UREPORTER", "Ready?")
    post(baton, datetime(2026, 11, 2, 15, 0, tzinfo=UTC), "UOWNER", "yes", thread=question)
    row = stored(baton, question)
    assert (row.wall_seconds, row.business_seconds) == (66 * 3600.0, 2 * 3600.0)


def test_an_edit_does_not_move_a_message_or_add_a_wait(colombia: Baton) -> None:
    asked = datetime(2026, 11, 23, 10, 0, tzinfo=BOGOTA)
    said = post(colombia, asked, "UREPORTER", "deploying now")
    edit = {
        "type": "message", "subtype": "message_changed", "channel": CHANNEL, "hidden": True,
        "ts": slack_ts(asked + timedelta(hours=1)),
        "message": {"type": "message", "user": "UREPORTER", "ts": said,
                    "text": "<@UOWNER> deploying now?", "edited": {"user": "UREPORTER"}},
        "previous_message": {"type": "message", "user": "UREPORTER", "ts": said,
                             "text": "deploying now"},
    }  # fmt: skip
    assert colombia.event(edit).status_code == 200
    row = stored(colombia, said)
    assert (row.wait_kind, row.posted_at.replace(microsecond=0)) == (None, asked.astimezone(UTC))
    with colombia.db.reading() as session:
        assert session.scalar(select(Message.id).where(Message.ts == edit["ts"])) is None


def test_excluded_channels_and_direct_messages_are_not_timed(
    make_baton: Callable[..., Baton],
) -> None:
    baton = make_baton(BATON_EXCLUDED_CHANNELS="CRANDOM", **COLOMBIA)
    at = datetime(2026, 11, 23, 10, 0, tzinfo=BOGOTA)
    post(baton, at, "UREPORTER", "Anyone?", channel="CRANDOM")
    post(baton, at, "UREPORTER", "Anyone?", channel="D0DM", channel_type="im")
    post(baton, at, "UREPORTER", "Anyone?", channel="G0GROUPDM", channel_type="mpim")
    private = post(baton, at, "UREPORTER", "Anyone?", channel="G0PRIVATE", channel_type="group")
    with baton.db.reading() as session:
        assert list(session.scalars(select(Message.channel_id))) == ["G0PRIVATE"]
    assert stored(baton, private, "G0PRIVATE").wait_kind == "question"


# -- delivery: late, twice, out of order -------------------------------------------------


def _conversation(at: datetime) -> list[tuple[str, dict[str, Any]]]:
    """A question, a mention, a self-reply, a reply before the right one, in time order."""
    q = slack_ts(at)
    m = slack_ts(at + timedelta(minutes=1))
    return [
        ("q", {"user": "UREPORTER", "text": "Why is the queue stuck?", "ts": q}),
        ("m", {"user": "UOTHER", "text": "<@UOWNER> <@UADMIN> can you look", "ts": m}),
        ("self", {"user": "UREPORTER", "text": "still stuck", "ts": slack_ts(at + timedelta(
            minutes=2)), "thread_ts": q}),
        ("r1", {"user": "UADMIN", "text": "restarting", "ts": slack_ts(at + timedelta(
            minutes=4)), "thread_ts": q}),
        ("r2", {"user": "UOWNER", "text": "done", "ts": slack_ts(at + timedelta(minutes=6))}),
    ]  # fmt: skip


def _answers(baton: Baton, channel: str) -> dict[str, tuple[Any, ...]]:
    with baton.db.reading() as session:
        rows = session.execute(
            select(Message.ts, Message.answer_ts, Message.answer_user, Message.wall_seconds,
                   Message.business_seconds).where(Message.channel_id == channel)
        ).all()  # fmt: skip
    return {row.ts: tuple(row)[1:] for row in rows}


def test_the_stored_answers_are_the_same_whatever_the_order_of_delivery(colombia: Baton) -> None:
    at = datetime(2026, 11, 23, 10, 0, tzinfo=BOGOTA)
    conversation = _conversation(at)
    for name, message in conversation:
        post(colombia, at, channel="CINORDER", event_id=f"Ev-in-{name}", **message)
    in_order = _answers(colombia, "CINORDER")
    by_name = dict(conversation)
    assert in_order[by_name["q"]["ts"]][:3] == (by_name["r1"]["ts"], "UADMIN", 240.0)
    assert in_order[by_name["m"]["ts"]][:3] == (by_name["r1"]["ts"], "UADMIN", 180.0)

    # Replies before their parent, the parent retried by Slack with the same event id, then
    # sent again under a new one, and a reply delivered twice.
    shuffled = ["r2", "r1", "self", "q", "q", "m", "r1"]
    for number, name in enumerate(shuffled):
        message = dict(by_name[name])
        retry = number if name == "q" and number == 4 else None
        event_id = "Ev-late-q" if name == "q" and number in (3, 4) else f"Ev-late-{number}"
        post(colombia, at, channel="CLATE", event_id=event_id, retry_num=retry, **message)
    assert _answers(colombia, "CLATE") == in_order
    with colombia.db.reading() as session:
        count = select(Message.id).where(Message.channel_id == "CLATE")
        assert len(session.scalars(count).all()) == len(conversation)


def test_a_deleted_question_leaves_the_figures(colombia: Baton) -> None:
    asked = datetime(2026, 11, 23, 10, 0, tzinfo=BOGOTA)
    question = post(colombia, asked, "UREPORTER", "Who has the VPN key?")
    post(colombia, asked + timedelta(minutes=10), "UOWNER", "me", thread=question)
    other = post(colombia, asked + timedelta(hours=1), "UREPORTER", "<@UOTHER> ping")
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert latency(colombia, now)["waiting"] == 2

    deletion = {"type": "message", "subtype": "message_deleted", "channel": CHANNEL,
                "hidden": True, "deleted_ts": question, "ts": slack_ts(asked + timedelta(hours=2)),
                "previous_message": {"type": "message", "user": "UREPORTER", "ts": question,
                                     "text": "Who has the VPN key?"}}  # fmt: skip
    assert colombia.event(deletion).status_code == 200
    figures = latency(colombia, now)
    assert (figures["waiting"], figures["answered"], figures["median_seconds"]) == (1, 0, None)
    assert stored(colombia, other).deleted is False

    # A deletion that arrives before its message (Slack retried the message later).
    late = slack_ts(asked + timedelta(hours=3))
    early_deletion = {**deletion, "deleted_ts": late, "previous_message": {"user": "UOTHER"}}
    colombia.event(early_deletion)
    post(colombia, asked + timedelta(hours=3), "UOTHER", "<@UREPORTER> ready?", ts=late)
    row = stored(colombia, late)
    assert (row.deleted, row.wait_kind, row.user_id) == (True, "mention", "UOTHER")
    assert latency(colombia, now)["waiting"] == 1


# -- sides -------------------------------------------------------------------------------

SIDES = {
    "BATON_TIMEZONE": "America/New_York",
    "BATON_SIDES": "client=@acme-eng,partner=@latam-team",
    "BATON_SIDE_PARTNER_TIMEZONE": "America/Argentina/Buenos_Aires",
}


@pytest.fixture
def two_sides(make_baton: Callable[..., Baton]) -> Baton:
    baton = make_baton(**SIDES)
    baton.fake_slack.add_usergroup("S0CLIENT", "acme-eng", ["UCLIENT"])
    baton.fake_slack.add_usergroup("S0PARTNER", "latam-team", ["UPARTNER"])
    refresh_sides(baton.services, datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    return baton


def test_latency_by_direction_between_two_sides_in_different_time_zones(two_sides: Baton) -> None:
    baton = two_sides
    # Client → partner. Monday 22:00 UTC is 17:00 in New York, 19:00 in Buenos Aires; the answer
    # on Tuesday 12:30 UTC is 09:30 in Buenos Aires: 30 minutes of the partner's working time.
    a = post(baton, datetime(2026, 11, 23, 22, 0, tzinfo=UTC), "UCLIENT", "<@UPARTNER> review?")
    post(baton, datetime(2026, 11, 24, 12, 30, tzinfo=UTC), "UPARTNER", "approved", thread=a)
    # Partner → client. Tuesday 13:00 UTC (08:00 New York) to 14:15 UTC (09:15): 15 minutes.
    b = post(baton, datetime(2026, 11, 24, 13, 0, tzinfo=UTC), "UPARTNER", "<@UCLIENT> API key?")
    post(baton, datetime(2026, 11, 24, 14, 15, tzinfo=UTC), "UCLIENT", "sent")
    # A client question nobody answers: the other side, the partner, is expected to. Wednesday
    # 13:00 UTC is 10:00 in Buenos Aires: its 4 business hours end at 14:00 there (17:00 UTC),
    # its 24 at Friday 16:00 there (19:00 UTC).
    c = post(baton, datetime(2026, 11, 25, 13, 0, tzinfo=UTC), "UCLIENT", "Who owns staging?")

    first, second, third = stored(baton, a), stored(baton, b), stored(baton, c)
    assert (first.author_side, first.answer_side) == ("client", "partner")
    assert (first.wall_seconds, first.business_seconds) == (52200.0, 1800.0)
    assert (second.author_side, second.answer_side) == ("partner", "client")
    assert (second.wall_seconds, second.business_seconds) == (4500.0, 900.0)
    assert (third.answer_side, third.answer_ts) == ("partner", None)
    assert third.sla_due_at is not None and third.unanswered_due_at is not None
    assert third.sla_due_at.replace(microsecond=0) == datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
    assert third.unanswered_due_at.replace(microsecond=0) == datetime(2026, 11, 27, 19, tzinfo=UTC)

    figures = latency(baton, datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
    assert figures["waiting"] == 3 and figures["answered"] == 2 and figures["unanswered"] == 1
    assert figures["median_seconds"] == (4500 + 52200) / 2
    assert figures["p90_seconds"] == 4500 + 0.9 * (52200 - 4500)
    assert figures["median_business_seconds"] == 1350.0
    assert figures["p90_business_seconds"] == 1710.0
    assert figures["within_sla_rate"] == round(2 / 3, 4)
    client_partner = figures["by_direction"]["client→partner"]
    assert (client_partner["waiting"], client_partner["answered"]) == (2, 1)
    assert (client_partner["median_seconds"], client_partner["median_business_seconds"]) == (
        52200.0,
        1800.0,
    )
    assert (client_partner["within_sla_rate"], client_partner["unanswered"]) == (0.5, 1)
    partner_client = figures["by_direction"]["partner→client"]
    assert (partner_client["waiting"], partner_client["median_business_seconds"]) == (1, 900.0)
    assert partner_client["within_sla_rate"] == 1.0

    baton.set_now(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
    body = baton.command("/kpi", "latency", user="UCLIENT").json()
    text = json.dumps(body["blocks"], ensure_ascii=False)
    assert "client → partner: 2 waiting · median 14 h 30 min (30 min business)" in text
    assert "partner → client: 1 waiting · median 1 h 15 min (15 min business)" in text


def test_side_membership_is_read_hourly_not_for_every_message(two_sides: Baton) -> None:
    baton = two_sides
    fake = baton.fake_slack
    assert len(fake.calls_to("usergroups.list")) == 1
    assert [call.args["usergroup"] for call in fake.calls_to("usergroups.users.list")] == [
        "S0CLIENT",
        "S0PARTNER",
    ]
    at = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    for minute in range(5):
        post(baton, at + timedelta(minutes=minute), "UCLIENT", "<@UPARTNER> one more?")
    refresh_sides(baton.services, datetime(2026, 11, 23, 12, 59, tzinfo=UTC))  # same hour
    assert len(fake.calls_to("usergroups.users.list")) == 2

    fake.add_usergroup("S0PARTNER", "latam-team", ["UPARTNER", "UNEWHIRE"])
    refresh_sides(baton.services, datetime(2026, 11, 23, 13, 0, tzinfo=UTC))
    assert len(fake.calls_to("usergroups.users.list")) == 4
    with baton.db.reading() as session:
        members = {
            tuple(row) for row in session.execute(select(SideMember.side, SideMember.user_id))
        }
    assert members == {("client", "UCLIENT"), ("partner", "UPARTNER"), ("partner", "UNEWHIRE")}
    hire = post(baton, at + timedelta(hours=1), "UNEWHIRE", "<@UCLIENT> access please?")
    assert stored(baton, hire).author_side == "partner"


def test_sides_by_group_id_and_an_unknown_handle(
    make_baton: Callable[..., Baton], caplog: pytest.LogCaptureFixture
) -> None:
    unknown = make_baton(BATON_SIDES="client=S0CLIENT,partner=@nobody")
    unknown.fake_slack.add_usergroup("S0CLIENT", "acme-eng", ["UCLIENT"])
    unknown.fake_slack.add_usergroup("S0PARTNER", "latam-team", ["UPARTNER"])
    refresh_sides(unknown.services, datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    assert "no user group @nobody" in caplog.text
    with unknown.db.reading() as session:
        assert session.scalars(select(SideMember.user_id)).all() == []  # nothing half-done

    by_id = make_baton(BATON_SIDES="client=S0CLIENT,partner=S0PARTNER")
    by_id.fake_slack.reset()
    refresh_sides(by_id.services, datetime(2026, 11, 23, 13, 0, tzinfo=UTC))
    assert by_id.fake_slack.calls_to("usergroups.list") == []
    with by_id.db.reading() as session:
        assert sorted(session.scalars(select(SideMember.user_id))) == ["UCLIENT", "UPARTNER"]


# -- /kpi latency and baton kpi latency --------------------------------------------------


def _fields(body: dict[str, Any]) -> dict[str, str]:
    found = {}
    for block in body["blocks"]:
        for field in block.get("fields", []):
            label, value, *_comparisons = field["text"].split("\n")
            found[label.strip("*")] = value
    return found


def _week_of_questions(baton: Baton) -> None:
    """Monday 23 Nov 2026 in #general: answers after 10 and 50 minutes, and one unanswered;
    in #payments one answered after 2 hours. The 4-business-hour windows end the same day."""
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=BOGOTA)
    for minutes in (10, 50):
        q = post(baton, monday, "UREPORTER", "Is prod healthy?")
        post(baton, monday + timedelta(minutes=minutes), "UOWNER", "yes", thread=q)
    post(baton, monday + timedelta(hours=1), "UREPORTER", "<@UOTHER> can you review?")
    p = post(baton, monday, "UOTHER", "<@UOWNER> refund stuck", channel="CPAYMENTS")
    post(baton, monday + timedelta(hours=2), "UOWNER", "fixed", channel="CPAYMENTS", thread=p)


def test_kpi_latency_answers_ephemerally_with_a_line_per_channel(colombia: Baton) -> None:
    _week_of_questions(colombia)
    colombia.set_now(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    body = colombia.command("/kpi", "latency").json()
    assert body["response_type"] == "ephemeral"
    fields = _fields(body)
    assert fields["Waiting for an answer"] == "4"
    assert fields["Answered"] == "3"
    # 4 business hours from Monday 10:00 end at 14:00, long before Friday: unanswered at
    # the SLA; 24 business hours end Wednesday 16:00.
    assert fields["Unanswered"] == "1"
    assert fields["Answered within SLA"] == "75%"
    assert fields["Median wait"] == "50 min (50 min business)"  # 10, 50, 120 min
    assert fields["90th percentile wait"] == "1 h 46 min (1 h 46 min business)"  # 50 + .8 × 70
    text = json.dumps(body["blocks"], ensure_ascii=False)
    assert "<#CGENERAL>: 3 waiting · median 30 min (30 min business)" in text
    assert "<#CPAYMENTS>: 1 waiting · median 2 h (2 h business)" in text

    one = _fields(colombia.command("/kpi", "latency 30d <#CPAYMENTS|payments>").json())
    assert one["Waiting for an answer"] == "1"


def test_kpi_latency_unknown_arguments_get_the_usage(colombia: Baton) -> None:
    body = colombia.command("/kpi", "latency fast").json()
    assert body["response_type"] == "ephemeral"
    assert "I don't understand `fast`" in body["text"]
    assert "`latency`" in body["text"]


def test_baton_kpi_latency_json_prints_the_documented_keys(
    colombia: Baton, database_url: str, tmp_path: Path
) -> None:
    # The CLI counts back from the real now: ask at two moments of the last 24 hours.
    now = datetime.now(UTC).replace(microsecond=0)
    q = post(colombia, now - timedelta(hours=3), "UREPORTER", "Anyone on call?", channel="COPS")
    post(colombia, now - timedelta(hours=3) + timedelta(seconds=90), "UOWNER", "me",
         channel="COPS", thread=q)  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BATON_"))}
    env |= {"DATABASE_URL": database_url, **COLOMBIA}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "baton"), "kpi", "latency", "--days", "1", "--json"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert set(figures) == {
        "waiting", "answered", "unanswered", "median_seconds", "p90_seconds",
        "median_business_seconds", "p90_business_seconds", "within_sla_rate", "by_channel",
        "by_direction", "unreadable_group_mentions",
    }  # fmt: skip
    assert figures["unreadable_group_mentions"] == 0
    assert (figures["waiting"], figures["answered"], figures["median_seconds"]) == (1, 1, 90.0)
    assert figures["by_channel"]["COPS"]["p90_seconds"] == 90.0
    assert figures["by_direction"] == {}
    assert figures["unanswered"] == 0


# -- never the text ----------------------------------------------------------------------

MARKER = "ZQX-MARKER-7f3a9c41"


def test_no_message_text_reaches_the_database_or_the_logs(
    colombia: Baton, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")  # Baton's default log level
    at = datetime(2026, 11, 23, 10, 0, tzinfo=BOGOTA)
    q = post(colombia, at, "UREPORTER", f"{MARKER} why is this red?")
    post(colombia, at + timedelta(minutes=1), "UOWNER", f"<@UREPORTER> {MARKER}", thread=q)
    post(colombia, at + timedelta(minutes=2), "UOTHER", f"{MARKER}", subtype="thread_broadcast",
         thread=q)  # fmt: skip
    post(colombia, at + timedelta(minutes=3), "UOTHER", f"{MARKER} file", subtype="file_share",
         files=[{"id": "F1", "name": f"{MARKER}.txt", "title": MARKER}])  # fmt: skip
    m = post(colombia, at + timedelta(minutes=4), "UREPORTER", f"<@UOWNER> {MARKER}?")
    post(colombia, at + timedelta(minutes=4), "UREPORTER", f"<!subteam^S0X|@{MARKER}> {MARKER}")
    colombia.event(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": CHANNEL,
            "ts": slack_ts(at + timedelta(minutes=5)),
            "message": {"user": "UREPORTER", "ts": m, "text": f"{MARKER} edited"},
            "previous_message": {"user": "UREPORTER", "ts": m, "text": MARKER},
        }
    )
    colombia.event(
        {
            "type": "message",
            "subtype": "message_deleted",
            "channel": CHANNEL,
            "deleted_ts": m,
            "ts": slack_ts(at + timedelta(minutes=6)),
            "previous_message": {"user": "UREPORTER", "ts": m, "text": MARKER},
        }
    )
    colombia.event({"type": "message", "subtype": "bot_message", "bot_id": "B1",
                    "channel": CHANNEL, "text": MARKER, "ts": slack_ts(at)})  # fmt: skip
    colombia.settle()

    engine = create_engine(database_url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        assert {"messages", "message_mentions", "side_members", "slack_events"} <= set(
            metadata.tables
        )
        cells = 0
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                for row in connection.execute(select(table)):
                    for value in row:
                        cells += 1
                        assert MARKER not in str(value), f"{table.name} holds message text"
        assert cells > 0
    finally:
        engine.dispose()
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        for file in path.parent.glob(path.name + "*"):  # the database, its WAL and SHM
            assert MARKER.encode() not in file.read_bytes(), f"{file.name} holds message text"
    assert MARKER not in caplog.text
