"""BATON_RETENTION_DAYS: old message timings are deleted, and every figure of their weeks stays.

Messages go in as Slack delivers them; the clock's job runs as the clock runs it. Every expected
number is worked out by hand from the README's definitions: median and p90 with linear
interpolation over the answered messages' waits, the within-SLA rate over those whose SLA
(4 business hours) has ended. Bogotá time, 09:00–18:00, Mon–Fri.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config.settings import load_settings
from bot.core.errors import ConfigError
from bot.kpi.answers import answer
from bot.kpi.history import latency_period
from bot.privacy import retention
from bot.privacy.retention import (
    forget_old_timings,
    keep_weeks_before,
    oldest_message,
    retention_line,
)
from storage.export import export_tables
from storage.models import (
    KeptLatencyWeek,
    LatencyWeekGroup,
    Message,
    MessageGroupMention,
    MessageMention,
    UsergroupReading,
)
from tests.latency.test_latency_e2e import BOGOTA, CHANNEL, COLOMBIA, post, stored
from tests.support.harness import Baton

SECOND = "CSECOND"
# Friday 4 Dec 2026, noon; with 30 days kept, the line is Wednesday 4 Nov 2026, 00:00.
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=BOGOTA)
LINE = datetime(2026, 11, 4, 0, 0, tzinfo=BOGOTA)
WEEK_A = datetime(2026, 9, 7, 0, 0, tzinfo=BOGOTA)  # a Monday
WEEK_B = WEEK_A + timedelta(days=7)


@pytest.fixture
def baton(make_baton: Callable[..., Baton]) -> Baton:
    return make_baton(**COLOMBIA, BATON_RETENTION_DAYS="30")


def asked_and_answered(
    baton: Baton, asked: datetime, wait: timedelta, text: str, channel: str = CHANNEL
) -> str:
    baton.set_now(asked)
    question = post(baton, asked, "UREPORTER", text, channel=channel)
    baton.set_now(asked + wait)
    post(baton, asked + wait, "UOWNER", "here you are", channel=channel, thread=question)
    return question


def history(baton: Baton) -> dict[str, str]:
    """Seven answered questions: four in the week of 7 Sep, one in the week of 14 Sep, one
    after the line in the week it falls in (2 Nov), one recent; and a message that mentions a
    user group Baton cannot read, and chatter that waits for nothing."""
    at = WEEK_A + timedelta(hours=10)
    sent = {
        "q1": asked_and_answered(baton, at, timedelta(minutes=20), "Is CI green?"),
        "q2": asked_and_answered(baton, at + timedelta(days=1), timedelta(hours=1), "Keys?"),
        # Five business hours: past the 4-hour SLA.
        "q4": asked_and_answered(
            baton, at + timedelta(days=3), timedelta(hours=5), "Staging down?", SECOND
        ),
        "q5": asked_and_answered(baton, WEEK_B + timedelta(hours=10), timedelta(minutes=10), "?"),
        "q7": asked_and_answered(
            baton, datetime(2026, 11, 5, 10, 0, tzinfo=BOGOTA), timedelta(minutes=30), "Ok?"
        ),
        "q6": asked_and_answered(
            baton, datetime(2026, 11, 23, 10, 0, tzinfo=BOGOTA), timedelta(minutes=15), "Go?"
        ),
    }
    # A mention, answered by the person 5 minutes later anywhere in the channel.
    mentioned = at + timedelta(days=2)
    baton.set_now(mentioned)
    sent["q3"] = post(baton, mentioned, "UREPORTER", "<@UOWNER> check the logs")
    baton.set_now(mentioned + timedelta(minutes=5))
    post(baton, mentioned + timedelta(minutes=5), "UOWNER", "done")
    friday = at + timedelta(days=4)
    baton.set_now(friday)
    baton.fake_slack.fail("usergroups.users.list", error="missing_scope")
    post(baton, friday, "UREPORTER", "<!subteam^S0SECRET|@leads> is the release on?")
    post(baton, friday + timedelta(minutes=1), "UOTHER", "lunch at 12")
    return sent


def kpi(baton: Baton, days: int, channel: str | None = None) -> dict[str, Any]:
    baton.set_now(NOW)
    return json.loads(json.dumps(answer(baton.services, "latency", days=days, channel=channel)))


def headline(figures: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("waiting", "answered", "median_seconds", "p90_seconds", "within_sla_rate")
    return tuple(figures[key] for key in keys)


def week(baton: Baton, start: datetime) -> dict[str, float | None]:
    return latency_period(baton.services, start=start, end=start + timedelta(days=7))


# Waits of the 90 days: 300 (q3), 600 (q5), 900 (q6), 1200 (q1), 1800 (q7), 3600 (q2),
# 18000 (q4). Median: the 4th, 1200. p90 at 0.9 × 6 = 5.4: 3600 + 0.4 × 14400 = 9360.
# Within the SLA: all but q4, 6 of 7.
NINETY_DAYS = (7, 7, 1200.0, 9360.0, round(6 / 7, 4))  # rates are given to 4 places
# The week of 7 Sep: 300, 1200, 3600, 18000. Median (1200 + 3600) / 2 = 2400; p90 at 2.7:
# 3600 + 0.7 × 14400 = 13680; within the SLA 3 of 4.
WEEK_A_FIGURES = {"waiting": 4.0, "median_seconds": 2400.0, "p90_seconds": 13680.0}


def test_old_timings_are_deleted_and_every_figure_of_their_weeks_stays(
    baton: Baton, tmp_path: Path
) -> None:
    sent = history(baton)
    before = kpi(baton, 90)
    assert headline(before) == pytest.approx(NINETY_DAYS)
    assert before["unreadable_group_mentions"] == 1
    assert "kept_weeks" not in before
    week_a = week(baton, WEEK_A.astimezone(UTC))
    assert {key: week_a[key] for key in WEEK_A_FIGURES} == WEEK_A_FIGURES
    assert week_a["within_sla_rate"] == pytest.approx(3 / 4)

    assert retention_line(baton.services, NOW) == LINE
    forget_old_timings(baton.services, NOW.astimezone(UTC))

    assert baton.count(Message, Message.posted_at < LINE) == 0
    assert baton.count(MessageMention) == 0  # q3's mention of UOWNER went with it
    assert baton.count(MessageGroupMention) == 0
    assert stored(baton, sent["q7"]).answered_at is not None  # after the line: kept
    assert stored(baton, sent["q6"]).answered_at is not None
    # Every week from the oldest message's to the one the line falls in: 7 Sep … 2 Nov.
    assert baton.count(KeptLatencyWeek) == 9

    after = kpi(baton, 90)
    assert headline(after) == pytest.approx(NINETY_DAYS)
    assert after["by_channel"][SECOND]["median_seconds"] == 18000.0
    assert after["unreadable_group_mentions"] == 1
    assert after["kept_weeks"] == {"from": "2026-09-07", "until": "2026-11-09"}
    assert week(baton, WEEK_A.astimezone(UTC)) == week_a
    assert week(baton, WEEK_B.astimezone(UTC))["median_seconds"] == 600.0

    # The export holds what is left: the messages after the line, and the kept weeks' figures
    # (q1, q2, q3 and q4 in the week of 7 Sep, q5 in that of 14 Sep, q7 in that of 2 Nov).
    written = {path.name: rows for path, rows in export_tables(baton.db, tmp_path)}
    assert (written["messages.csv"], written["latency_weeks_kept.csv"]) == (4, 9)
    with (tmp_path / "latency_weeks.csv").open() as handle:
        kept = list(csv.DictReader(handle))
    assert sum(int(row["waiting"]) for row in kept) == 6
    assert sorted(
        json.loads(row["wall_seconds"]) for row in kept if row["channel_id"] == SECOND
    ) == [[18000.0]]

    # A second run (or a second clock) keeps nothing twice and deletes nothing more.
    groups = baton.count(LatencyWeekGroup)
    forget_old_timings(baton.services, NOW.astimezone(UTC))
    assert (baton.count(KeptLatencyWeek), baton.count(LatencyWeekGroup)) == (9, groups)
    assert headline(kpi(baton, 90)) == pytest.approx(NINETY_DAYS)


def test_a_period_that_starts_in_a_kept_week_counts_that_week_whole_and_says_so(
    baton: Baton,
) -> None:
    history(baton)
    # 86 days before Friday 4 Dec, noon: Wednesday 9 Sep, noon, after q1, q2 and q3.
    assert headline(kpi(baton, 86))[:2] == (4, 4)  # q4, q5, q7, q6
    forget_old_timings(baton.services, NOW.astimezone(UTC))
    assert headline(kpi(baton, 86)) == pytest.approx(NINETY_DAYS)
    baton.fake_slack.reset()
    assert "Adding up" in baton.command("/kpi", "latency 86d").json()["text"]
    baton.settle()
    [answered] = baton.fake_slack.calls_to("response_url")
    reply = json.dumps(answered.args, ensure_ascii=False)
    assert (
        "The weeks from Mon 7 Sep 2026 to Sun 8 Nov 2026 are counted, whole, from the weekly "
        "figures Baton stored before deleting their messages (BATON_RETENTION_DAYS)."
    ) in reply
    # A period after the kept weeks reads messages only, and says nothing of them.
    recent = kpi(baton, 14)
    assert (recent["waiting"], recent["median_seconds"]) == (1, 900.0)
    assert "kept_weeks" not in recent


def test_figures_stay_the_same_between_batches(
    baton: Baton, monkeypatch: pytest.MonkeyPatch
) -> None:
    history(baton)
    now = NOW.astimezone(UTC)
    monkeypatch.setattr(retention, "BATCH", 3)
    oldest = oldest_message(baton.services)
    assert oldest is not None
    keep_weeks_before(baton.services, LINE, now, oldest)
    old = baton.count(Message, Message.posted_at < LINE)
    assert old == 12  # q1, q2, q4, q5, q3 and their answers, the group mention, the chatter
    while old:
        # One batch a tick: the budget is spent at once.
        assert retention.delete_before(baton.services, LINE, budget=timedelta(0)) == min(3, old)
        old -= min(3, old)
        assert baton.count(Message, Message.posted_at < LINE) == old
        assert headline(kpi(baton, 90)) == pytest.approx(NINETY_DAYS)


def test_old_readings_of_user_groups_go_but_each_groups_latest(baton: Baton) -> None:
    old, recent = datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    readings = [("S0PARTNER", old), ("S0PARTNER", old + timedelta(days=1)), ("S0PARTNER", recent)]
    readings.append(("S0LEADS", old))  # its only reading: still what Baton knows of it
    with baton.db.unit_of_work() as session:
        session.add_all(
            UsergroupReading(
                team_id="T0BATON", group_id=group, read_at=at, readable=True, members="UOWNER"
            )
            for group, at in readings
        )
    forget_old_timings(baton.services, NOW.astimezone(UTC))
    with baton.db.reading() as session:
        left = {(row.group_id, row.read_at) for row in session.query(UsergroupReading)}
    assert left == {("S0PARTNER", recent), ("S0LEADS", old)}


@pytest.mark.parametrize("days", ["7", "29", "many", "-400"])
def test_a_retention_below_a_month_stops_start_up_in_one_line(days: str) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "s",
        "BATON_RETENTION_DAYS": days,
    }
    with pytest.raises(ConfigError) as raised:
        load_settings(env)
    assert "BATON_RETENTION_DAYS" in str(raised.value)
    assert "at least 30" in str(raised.value)
