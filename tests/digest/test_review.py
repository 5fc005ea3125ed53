"""The monthly review (once per channel and month, what changed, the readiness chart, who may
see what) and the weekly digest's readiness line, through the fake Slack."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.digest.flows import post_digest
from bot.digest.review import due_month, first_monday
from bot.digest.review_flows import run_reviews
from storage import checkins as checkin_store
from tests.support.checkins import seed_checkins
from tests.support.harness import Baton

FIRST = date(2026, 8, 31)
ENV = {
    "BATON_OPERATE_START": "2026-08-31",
    "BATON_TRANSFER_DATE": "2027-04-12",
    "BATON_DIGEST_CHANNELS": "CLEADS,CBOARD",
}
# Sprint 4 ends 26 Oct, 5 on 9 Nov, 6 on 23 Nov (31 Aug + k × 14 days).
SPRINTS: dict[str, list[float | None]] = {
    "kt_items_total": [100] * 6,
    "kt_items_validated": [50, 51, 52, 53, 54, 55],
    "spend": [900, 900, 900, 900, 1100, 1200],  # over forecast in sprints 5 and 6
    "forecast": [1000] * 6,
    "deployments": [2] * 6,
    "failed_changes": [0] * 6,
}
NOVEMBER = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # the first Monday of November, 09:00
DECEMBER = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(make_baton: Callable[..., Baton]) -> Callable[..., Baton]:
    def start(**env: str) -> Baton:
        baton = make_baton(**ENV | env)
        seed_checkins(baton, FIRST, SPRINTS)
        return baton

    return start


def reviews(baton: Baton) -> list[dict]:
    return [
        call.args
        for call in baton.fake_slack.calls_to("chat.postMessage")
        if call.args["text"].startswith("Monthly review")
    ]


def text_of(message: dict) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def test_the_review_is_due_on_the_first_monday_of_the_month() -> None:
    assert first_monday(date(2026, 11, 20)) == date(2026, 11, 2)
    assert first_monday(date(2026, 6, 1)) == date(2026, 6, 1)  # a Monday itself
    at = datetime.min.time().replace(hour=9)
    tz = UTC
    assert due_month(DECEMBER, at, tz) == date(2026, 12, 1)
    # A minute before December's, November's is the latest due (a clock that was down).
    assert due_month(DECEMBER - timedelta(minutes=1), at, tz) == date(2026, 11, 1)


def test_posted_once_per_channel_and_month_with_its_chart_in_the_thread(
    clock: Callable[..., Baton],
) -> None:
    baton = clock()
    baton.set_now(NOVEMBER)
    run_reviews(baton.services, NOVEMBER)
    run_reviews(baton.services, NOVEMBER + timedelta(hours=1))
    posted = reviews(baton)
    assert sorted(message["channel"] for message in posted) == ["CBOARD", "CLEADS"]
    assert posted[0]["text"].startswith("Monthly review · November 2026: Readiness 75%")
    assert "This is the first review" in text_of(posted[0])
    uploads = baton.fake_slack.calls_to("files.completeUploadExternal")
    assert len(uploads) == 2
    assert {upload.args["files"][0]["title"] for upload in uploads} == {
        "Transfer readiness over time"
    }
    assert all(upload.args.get("thread_ts") for upload in uploads)
    # Another clock, later in the month: nothing more.
    later = clock()
    run_reviews(later.services, NOVEMBER + timedelta(days=10))
    assert len(reviews(baton)) == 2


def test_the_next_review_says_what_changed_and_the_channel_sees_only_its_part(
    clock: Callable[..., Baton],
) -> None:
    baton = clock()
    baton.set_now(NOVEMBER)
    run_reviews(baton.services, NOVEMBER)
    baton.fake_slack.reset()
    baton.set_now(DECEMBER)
    run_reviews(baton.services, DECEMBER)
    [message, _] = reviews(baton)
    text = text_of(message)
    # 2 Nov (sprints to 4): knowledge transfer amber; burn (0.9), deployments and failures green:
    # 3 of 4. 7 Dec (sprints to 6, sprint 7 has no numbers): burn is red: 2 of 4.
    assert "Since the last review (2 Nov 2026)" in text
    assert "Readiness ▼ 25 pts (75% → 50%)" in text
    assert "Spend against forecast" not in text  # a finance KPI, in a channel not private
    assert "3 finance and people KPIs are shown to the leads and admins only" in text
    with baton.db.reading() as session:
        days = checkin_store.readiness_history(
            session, since=date(2026, 1, 1), until=date(2026, 12, 31)
        )
    assert days == [(date(2026, 11, 2), 0.75), (date(2026, 12, 7), 0.5)]


def test_a_channel_private_to_leads_gets_the_whole_scorecard(
    clock: Callable[..., Baton],
) -> None:
    baton = clock(BATON_REVIEW_PRIVATE="true")
    baton.set_now(NOVEMBER)
    run_reviews(baton.services, NOVEMBER)
    baton.set_now(DECEMBER)
    run_reviews(baton.services, DECEMBER)
    december = [message for message in reviews(baton) if "December" in message["text"]]
    text = text_of(december[0])
    assert "Spend against forecast: green → red" in text
    assert "Spend against forecast*: 1.20×" in text


def test_off_posts_no_review(clock: Callable[..., Baton]) -> None:
    baton = clock(BATON_REVIEW_TIME="off")
    baton.set_now(NOVEMBER)
    run_reviews(baton.services, NOVEMBER)
    assert reviews(baton) == []


def test_the_review_time_is_in_the_teams_time_zone(clock: Callable[..., Baton]) -> None:
    baton = clock(BATON_TIMEZONE="America/Bogota", BATON_REVIEW_TIME="08:30")
    # 08:30 in Bogotá is 13:30 UTC; before it, October's review is the one due.
    before = datetime(2026, 11, 2, 13, 29, tzinfo=UTC)
    baton.set_now(before)
    run_reviews(baton.services, before)
    assert {message["text"].split(":")[0] for message in reviews(baton)} == {
        "Monthly review · October 2026"
    }
    at = before + timedelta(minutes=1)
    baton.set_now(at)
    run_reviews(baton.services, at)
    assert "Monthly review · November 2026" in {
        message["text"].split(":")[0] for message in reviews(baton)
    }


def test_the_weekly_digest_has_a_readiness_line(clock: Callable[..., Baton]) -> None:
    baton = clock()
    monday = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    baton.set_now(monday)
    assert post_digest(baton.services, "CLEADS", date(2026, 11, 23)).status == "posted"
    [message] = [
        call.args
        for call in baton.fake_slack.calls_to("chat.postMessage")
        if call.args["channel"] == "CLEADS"
    ]
    text = text_of(message)
    # As of 30 Nov: 133 days to 12 Apr 2027; burn red but hidden, so only counted.
    assert (
        ":bar_chart: *Readiness 50%: 2 of 4 known KPIs green · Transfer in 133 days "
        "(12 Apr 2027)* · 1 of the leads' KPIs red · `/kpi scorecard`"
    ) in text
    with baton.db.reading() as session:
        days = checkin_store.readiness_history(
            session, since=date(2026, 11, 1), until=date(2026, 12, 31)
        )
    assert days == [(date(2026, 11, 30), 0.5)]
