"""The weekly digest through the fake Slack: once per (channel, week), charts in its thread,
completed after a failure half-way without repeating what was posted; numbers worked by hand."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from bot import demo
from bot.digest.build import build_charts, build_digest
from bot.digest.flows import post_digest
from bot.digest.jobs import run_digests
from storage import blockers, digests, escalations
from tests.support.harness import Baton

CHANNEL = "CLEADS"
WEEK = date(2026, 11, 16)  # the week the digest of Monday Nov 23 covers

# The demo team's settings, through the environment, so its history can be seeded.
DEMO_ENV = {
    "BATON_TIMEZONE": "America/New_York",
    "BATON_HOLIDAYS": "US",
    "BATON_SIDES": "client=S0CLIENT,partner=S0PARTNER",
    "BATON_SIDE_PARTNER_TIMEZONE": "America/Bogota",
    "BATON_SIDE_PARTNER_WORKHOURS": "08:00-17:00",
    "BATON_SIDE_PARTNER_HOLIDAYS": "CO",
    "BATON_DIGEST_CHANNELS": CHANNEL,
    "BATON_OPERATE_START": "2026-08-31",
}


@pytest.fixture
def team(make_baton: Callable[..., Baton]) -> Baton:
    """Baton with the demo's twelve weeks recorded, at Monday Nov 23 09:30 in New York."""
    baton = make_baton(**DEMO_ENV)
    baton.set_now(demo.NOW)
    # Fewer conversations than the demo's: the same shape, seeded faster.
    demo.seed_history(baton.services, random.Random(demo.SEED), questions_per_day=(3, 5))
    return baton


def _uploads(baton: Baton) -> list[dict]:
    return [call.args for call in baton.fake_slack.calls_to("files.completeUploadExternal")]


def test_the_digest_posts_once_with_three_charts_in_its_thread(team: Baton) -> None:
    outcome = post_digest(team.services, CHANNEL, WEEK)
    assert outcome.status == "posted"
    assert outcome.parts == ("message", "latency", "activity", "nps")
    [message] = team.fake_slack.calls_to("chat.postMessage")
    assert message.args["channel"] == CHANNEL
    header = message.args["blocks"][0]["text"]["text"]
    assert header == "Weekly digest · 16 – 22 Nov 2026"
    uploads = _uploads(team)
    assert len(uploads) == 3
    with team.db.reading() as session:
        row = digests.get(session, channel_id=CHANNEL, period_start=WEEK)
        assert row is not None and row.completed_at is not None
        ts = row.message_ts
        parts = digests.parts(session, row.id)
    assert ts is not None and parts["message"] == ts
    assert set(parts) == {"message", "latency", "activity", "nps"}
    assert all(upload["thread_ts"] == ts for upload in uploads)
    assert all(upload["channel_id"] == CHANNEL for upload in uploads)
    assert [upload["files"][0]["title"] for upload in uploads] == [
        "Response latency per week",
        "Escalations and blockers per week",
        "Internal NPS per round",
    ]
    # A second run, or the clock's job, posts nothing more.
    assert post_digest(team.services, CHANNEL, WEEK).status == "done already"
    run_digests(team.services, demo.NOW)
    assert len(team.fake_slack.calls_to("chat.postMessage")) == 1
    assert len(_uploads(team)) == 3


def test_an_upload_failing_half_way_is_completed_by_the_next_run(team: Baton) -> None:
    # The first chart's completion fails (an upload is not retried within the run: the next
    # run looks for it in the thread first).
    team.fake_slack.fail("files.completeUploadExternal", status=500)
    first = post_digest(team.services, CHANNEL, WEEK)
    assert first.status == "failed"
    assert first.parts == ("message",)
    second = post_digest(team.services, CHANNEL, WEEK)
    assert second.status == "posted"
    assert second.parts == ("latency", "activity", "nps")
    messages = team.fake_slack.calls_to("chat.postMessage")
    assert len(messages) == 1
    completed = [upload for upload in _uploads(team) if upload.get("thread_ts")]
    ts = digests_message_ts(team)
    assert {upload["thread_ts"] for upload in completed} == {ts}
    assert post_digest(team.services, CHANNEL, WEEK).status == "done already"


def test_a_500_on_the_file_upload_itself_and_a_dropped_connection(team: Baton) -> None:
    team.fake_slack.fail("chat.postMessage", drop=True, times=3)
    assert post_digest(team.services, CHANNEL, WEEK).status == "failed"
    assert digests_message_ts(team) is None
    team.fake_slack.fail("file_upload", status=500, times=1)
    outcome = post_digest(team.services, CHANNEL, WEEK)
    assert outcome.status == "failed"
    assert outcome.parts == ("message",)
    assert post_digest(team.services, CHANNEL, WEEK).parts == ("latency", "activity", "nps")
    # Three dropped attempts never reached Slack; then one message, once.
    answered = [call for call in team.fake_slack.calls_to("chat.postMessage")]
    assert len(answered) == 4
    assert len({upload["files"][0]["title"] for upload in _uploads(team)}) == 3


def digests_message_ts(baton: Baton) -> str | None:
    with baton.db.reading() as session:
        row = digests.get(session, channel_id=CHANNEL, period_start=WEEK)
        return None if row is None else row.message_ts


def test_two_clocks_at_once_post_one_digest(team: Baton) -> None:
    barrier = threading.Barrier(3)
    outcomes = []

    def clock() -> None:
        barrier.wait()
        outcomes.append(post_digest(team.services, CHANNEL, WEEK).status)

    threads = [threading.Thread(target=clock) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes).count("posted") == 1
    assert len(team.fake_slack.calls_to("chat.postMessage")) == 1
    assert len(_uploads(team)) == 3


def test_a_refusal_waits_for_the_lease_and_force_posts_again(team: Baton) -> None:
    team.fake_slack.fail("chat.postMessage", error="not_in_channel")
    outcome = post_digest(team.services, CHANNEL, WEEK)
    assert (outcome.status, outcome.error) == ("failed", "not_in_channel")
    # The clock does not hammer a channel that refused: the lease holds for 15 minutes.
    assert post_digest(team.services, CHANNEL, WEEK).status == "busy"
    team.set_now(demo.NOW + timedelta(minutes=16))
    assert post_digest(team.services, CHANNEL, WEEK).status == "posted"
    assert post_digest(team.services, CHANNEL, WEEK, force=True).status == "posted"
    posted = [c for c in team.fake_slack.calls_to("chat.postMessage") if "ts" not in c.args]
    assert len(posted) == 3  # refused, posted, posted again with --force
    assert len(_uploads(team)) == 6


def test_the_clock_posts_when_the_schedule_time_has_passed(team: Baton) -> None:
    # Monday 08:59 in New York: this week's digest is not due yet; last week's is.
    early = datetime(2026, 11, 23, 13, 59, tzinfo=UTC)
    team.set_now(early)
    run_digests(team.services, early)
    [first] = team.fake_slack.calls_to("chat.postMessage")
    assert first.args["text"] == "Weekly digest, 9 – 15 Nov 2026"
    team.set_now(demo.NOW)
    run_digests(team.services, demo.NOW)
    run_digests(team.services, demo.NOW + timedelta(hours=3))
    texts = [call.args["text"] for call in team.fake_slack.calls_to("chat.postMessage")]
    assert texts == ["Weekly digest, 9 – 15 Nov 2026", "Weekly digest, 16 – 22 Nov 2026"]


def test_the_demo_digest_has_its_numbers_and_charts(team: Baton) -> None:
    digest = build_digest(team.services, WEEK)
    assert digest.not_measured == []
    charts = build_charts(digest)
    assert [chart.name for chart in charts] == ["latency", "activity", "nps"]
    escalations_week = digest.weekly["escalations"]
    # The week-5 spike of the demo: 11 escalations opened in the week of Sep 28.
    assert escalations_week.loc["2026-09-28", "opened"] == 11
    scores = digest.nps_rounds["score"].tolist()
    assert [score < 50 for score in scores].count(True) == 1


# -- numbers by hand, in UTC ---------------------------------------------------------------


def at(day: int, hour: int = 10, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_headline_numbers_worked_by_hand(make_baton: Callable[..., Baton]) -> None:
    baton = make_baton(BATON_DIGEST_CHANNELS=CHANNEL, BATON_OPERATE_START="2026-10-05")
    baton.set_now(at(23, 9))
    with baton.db.unit_of_work() as session:
        # Baseline weeks Oct 5 … Nov 9 (6 weeks): 2, 0, 1, 4, 2, 3 escalations → median 2.
        for week, count in enumerate((2, 0, 1, 4, 2, 3)):
            for n in range(count):
                escalations.create_escalation(
                    session,
                    team_id="T1",
                    title=f"old {week}-{n}",
                    severity=3,
                    reporter_id="UREPORTER",
                    owner_id="UOWNER",
                    source_channel_id="CGENERAL",
                    now=datetime(2026, 10, 5, 10, tzinfo=UTC) + timedelta(weeks=week, hours=n),
                )
        # The week before (Nov 9): 3 (above). This week (Nov 16): 4, one acknowledged after
        # 10 min and one after 30 min: MTTA 20 min.
        for n in range(4):
            number = escalations.create_escalation(
                session,
                team_id="T1",
                title=f"this week {n}",
                severity=2,
                reporter_id="UREPORTER",
                owner_id="UOWNER",
                source_channel_id="CGENERAL",
                now=at(17 + n),
            )
            if n < 2:
                escalations.acknowledge(
                    session,
                    number,
                    user_id="UOWNER",
                    now=at(17 + n) + timedelta(minutes=10 + 20 * n),
                )
        blockers.create_blocker(
            session,
            team_id="T1",
            text="Waiting on VPN",
            reporter_id="UREPORTER",
            source_channel_id="CGENERAL",
            now=at(18),
        )
    digest = build_digest(baton.services, WEEK)
    lines = {line.key: line for line in digest.headlines["escalations"]}
    opened = lines["opened"]
    assert (opened.value, opened.previous, opened.baseline) == (4, 3, 2)
    mtta = lines["mtta_seconds"]
    assert mtta.value == 1200.0
    # Open at Sunday's end: all 12 of the baseline and week before, and the 4 of this week,
    # none resolved: 16; the week before it was 12.
    assert (lines["open_now"].value, lines["open_now"].previous) == (16, 12)
    assert digest.not_measured == ["latency", "nps"]
    from bot.digest.blocks import build_digest_message

    message = build_digest_message(digest)
    escalation_fields = [
        field["text"] for field in message["blocks"][2]["fields"] if "Opened" in field["text"]
    ]
    # 4 vs 3: ▲ 33%; vs the baseline 2: ▲ 100%.
    assert escalation_fields == ["*Opened*\n4\n_▲ 33% vs last week · ▲ 100% vs baseline (2) · "
                                 "trend +0.5 a week_"]  # fmt: skip
    texts = [block.get("text", {}).get("text", "") for block in message["blocks"]]
    assert (
        "*Response latency*\nNot measured yet: no message in the channels Baton is in has "
        "waited for an answer yet."
    ) in texts
    assert "*Internal NPS*\nNot measured yet: no survey round has closed yet." in texts
    footer = message["blocks"][-1]["elements"][0]["text"]
    assert footer.startswith(
        "Charts of the last 12 weeks in the thread: escalations and blockers. Not drawn, as not "
        "measured yet: response latency, internal NPS."
    )


def test_a_first_digest_on_an_empty_database_says_what_is_not_known_yet(baton: Baton) -> None:
    monday = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    baton.set_now(monday)
    outcome = post_digest(baton.services, CHANNEL, WEEK)
    assert (outcome.status, outcome.parts) == ("posted", ("message",))  # no empty chart
    [message] = baton.fake_slack.calls_to("chat.postMessage")
    blocks = message.args["blocks"]
    assert blocks[1]["elements"][0]["text"] == (
        "Monday to Sunday in UTC. ▲/▼ against last week; no baseline yet (it will be the median "
        "week of the first 6 full weeks Baton measures); trends are least-squares slopes over 8 "
        "weeks."
    )
    assert blocks[-1]["elements"][0]["text"].startswith("No charts yet: nothing is measured yet.")
    assert baton.fake_slack.calls_to("files.completeUploadExternal") == []


def test_parts_slack_took_without_baton_hearing_are_found_not_posted_again(team: Baton) -> None:
    # The message is taken but its answer lost: the run looks, finds it and goes on. Then the
    # first chart is taken but Slack answers 500: this run stops there.
    team.fake_slack.fail("chat.postMessage", accept=True, drop=True)
    team.fake_slack.fail("files.completeUploadExternal", accept=True, status=500)
    first = post_digest(team.services, CHANNEL, WEEK)
    assert first.status == "failed" and first.parts == ("message",)
    # The next run finds that chart in the thread and uploads only the other two.
    second = post_digest(team.services, CHANNEL, WEEK)
    assert second.status == "posted"
    assert second.parts == ("latency", "activity", "nps")
    assert len(team.fake_slack.calls_to("files.completeUploadExternal")) == 3
    # Slack has one message and, in its thread, each chart once.
    in_channel = team.fake_slack.posts_in(CHANNEL)
    [message] = [m for m in in_channel if not m.get("files")]
    assert digests_message_ts(team) == message["ts"]
    shares = [m for m in in_channel if m.get("files")]
    assert {m["thread_ts"] for m in shares} == {message["ts"]}
    names = [f["name"] for m in shares for f in m["files"]]
    assert len(names) == 3 and len(set(names)) == 3


def test_429s_on_the_message_and_a_chart_are_waited_out_and_each_goes_once(team: Baton) -> None:
    team.fake_slack.fail("chat.postMessage", status=429, retry_after=1)
    team.fake_slack.fail("files.completeUploadExternal", status=429, retry_after=1)
    assert post_digest(team.services, CHANNEL, WEEK).status == "posted"
    first, again = team.fake_slack.calls_to("chat.postMessage")
    # No call before Slack's Retry-After second.
    assert again.at - first.at >= 0.95
    refused, completed, *_others = team.fake_slack.calls_to("files.completeUploadExternal")
    assert completed.at - refused.at >= 0.95
    in_channel = team.fake_slack.posts_in(CHANNEL)
    assert len([m for m in in_channel if not m.get("files")]) == 1
    names = [f["name"] for m in in_channel for f in m.get("files") or []]
    assert len(names) == 3 and len(set(names)) == 3
