"""/kpi numbers against the period before and the baseline, and /kpi chart by DM."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.core.formatting import Unit
from storage import escalations
from tests.support.harness import Baton
from tests.support.signing import TEAM_ID

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday
FIRST_WEDNESDAY = datetime(2026, 10, 7, 10, 0, tzinfo=UTC)


def _escalation(session, created: datetime, title: str = "x") -> int:
    return escalations.create_escalation(
        session,
        team_id=TEAM_ID,
        title=title,
        severity=3,
        reporter_id="UREPORTER",
        owner_id="UOWNER",
        source_channel_id="CGENERAL",
        now=created,
    )


def _fields(body: dict) -> dict[str, list[str]]:
    found = {}
    for block in body["blocks"]:
        for field in block.get("fields", []):
            label, *rest = field["text"].split("\n")
            found[label.strip("*")] = rest
    return found


def test_each_number_against_the_period_before_and_the_baseline(
    make_baton: Callable[..., Baton],
) -> None:
    baton = make_baton(BATON_OPERATE_START="2026-10-05")
    with baton.db.unit_of_work() as session:
        # Baseline weeks Oct 5 … Nov 15, on their Wednesdays: 1, 1, 2, 2, 3, 3 → median 2.
        for week, count in enumerate((1, 1, 2, 2, 3, 3)):
            for n in range(count):
                _escalation(session, FIRST_WEDNESDAY + timedelta(weeks=week, hours=n))
        # This period, [Nov 16 12:00, Nov 23 12:00): 3, one acknowledged after 10 minutes.
        for day in (17, 18, 19):
            created = datetime(2026, 11, day, 9, tzinfo=UTC)
            esc = _escalation(session, created)
        escalations.acknowledge(
            session, esc, user_id="UOWNER", now=datetime(2026, 11, 19, 9, 10, tzinfo=UTC)
        )
    baton.set_now(NOW)
    fields = _fields(baton.command("/kpi", "escalations").json())
    # 3 now; 3 in [Nov 9 12:00, Nov 16 12:00) (the Wednesday Nov 11 ones): = 0%; baseline 2: ▲ 50%.
    assert fields["Opened"] == ["3", "_= 0% vs previous 7 days · ▲ 50% vs baseline_"]
    # 1 acknowledged now, none before, none in the baseline: nothing to compare.
    assert fields["Acknowledged"] == ["1", "_▲ from 0 vs previous 7 days · ▲ from 0 vs baseline_"]
    assert fields["Mean time to acknowledge"] == ["10 min"]
    # Open at the end: all 15 (none resolved); 12 a week ago; the baseline's median week ended
    # with 1, 2, 4, 6, 9, 12 open → 5.
    assert fields["Open now"] == ["15", "_▲ 25% vs previous 7 days · ▲ 200% vs baseline_"]
    # Over 30 days a count's weekly baseline is scaled: 2 × 30 ÷ 7 = 8.571.
    body = baton.command("/kpi", "escalations 30d").json()
    opened_30 = _fields(body)["Opened"]
    # [Oct 24 12:00, Nov 23 12:00): weeks 4, 5, 6 (Oct 28, Nov 4, Nov 11: 2 + 3 + 3) and 3 now.
    assert opened_30[0] == "11"
    assert opened_30[1].endswith("▲ 28% vs baseline_")  # 11 ÷ 8.571 − 1 = 0.283
    assert "change against the 30 days before" in body["blocks"][-1]["elements"][0]["text"]


def test_a_chart_goes_to_the_callers_dm(baton: Baton) -> None:
    baton.set_now(NOW)
    body = baton.command("/kpi", "chart latency").json()
    assert body["response_type"] == "ephemeral"
    assert "latency chart" in body["text"] and "DM" in body["text"]
    baton.settle()
    [opened] = baton.fake_slack.calls_to("conversations.open")
    assert opened.args["users"] == "UREPORTER"
    [upload] = baton.fake_slack.calls_to("files.completeUploadExternal")
    assert upload.args["channel_id"] == "DREPORTER"
    assert upload.args["files"][0]["title"] == "Response latency per week"
    assert "/kpi chart latency" in upload.args["initial_comment"]
    [sent] = baton.fake_slack.calls_to("file_upload")
    assert sent.args["bytes"] > 10_000


def test_escalations_and_blockers_share_one_chart(baton: Baton) -> None:
    baton.set_now(NOW)
    baton.command("/kpi", "chart blockers")
    baton.settle()
    [upload] = baton.fake_slack.calls_to("files.completeUploadExternal")
    assert upload.args["files"][0]["title"] == "Escalations and blockers per week"


def test_a_chart_that_cannot_be_sent_is_explained(baton: Baton) -> None:
    baton.set_now(NOW)
    baton.fake_slack.fail("conversations.open", error="cannot_dm_bot")
    baton.command("/kpi", "chart nps")
    baton.settle()
    [reply] = baton.fake_slack.calls_to("response_url")
    assert reply.args["response_type"] == "ephemeral"
    assert "could not send you the nps chart (cannot_dm_bot)" in reply.args["text"]


def test_an_unknown_chart_gets_the_usage(baton: Baton) -> None:
    for text in ("chart", "chart revenue", "chart latency 7d"):
        body = baton.command("/kpi", text).json()
        assert "Which chart? `/kpi chart latency|escalations|blockers|nps`" in body["text"]
    assert baton.fake_slack.calls_to("conversations.open") == []


def test_rates_and_scores_change_in_points_counts_and_durations_in_percent() -> None:
    from bot.digest.blocks import headline_note
    from bot.digest.build import Headline
    from bot.kpi.blocks import change_text

    # 72% → 91% answered within the SLA: 19 points, not the 26% a ratio would say.
    assert change_text(0.91, 0.72, "within_sla_rate") == "▲ 19 pts"
    assert change_text(0.60, 0.85, "resolution_rate") == "▼ 25 pts"
    assert change_text(43, 54, "score") == "▼ 11 pts"
    assert change_text(12, 8, "opened") == "▲ 50%"  # a count
    assert change_text(1800, 3600, "median_seconds") == "▼ 50%"  # a duration
    line = Headline(
        key="within_sla_rate",
        label="Answered within SLA",
        unit=Unit.RATE,
        value=0.91,
        previous=0.85,
        baseline=0.72,
        trend=0.011,
    )
    assert headline_note(line) == (
        "▲ 6 pts vs last week · ▲ 19 pts vs baseline (72%) · trend +1.1 pts a week"
    )
