"""NPS without Slack or a database: the score worked by hand, the cadence, reminders, settings."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config.settings import load_settings
from bot.core.business_time import BusinessCalendar
from bot.core.errors import ConfigError, InvalidInput
from bot.kpi.nps import bucket, changes, nps, response_rate, round_figures, score_counts
from bot.nps import rules
from bot.nps.blocks import (
    build_comment_modal,
    build_invitation,
    build_reminder,
    build_thanks,
    comment_blocks,
    nps_extra_blocks,
    nps_lines,
)
from bot.nps.rules import RoundInfo
from bot.nps.sending import Pacer

BASE = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "secret"}
UTC_CAL = BusinessCalendar(ZoneInfo("UTC"))
BOGOTA = ZoneInfo("America/Bogota")
NEW_YORK = ZoneInfo("America/New_York")


def figures(scores: list[int], invited: int = 10, minimum: int = 5):
    return round_figures(
        score_counts(scores), invited=invited, reached=invited, min_responses=minimum
    )


# -- the score, by hand --------------------------------------------------------------------


def test_ten_answers_worked_by_hand() -> None:
    # 10, 9, 9, 10, 9 promote; 8, 7 are passive; 6, 5, 3 detract: 100 × (5 − 3) ÷ 10 = 20.
    result = figures([10, 9, 9, 8, 7, 6, 5, 10, 3, 9], invited=12)
    assert (result.promoters, result.passives, result.detractors) == (5, 2, 3)
    assert result.responses == 10
    assert result.score == 20
    assert result.response_rate == pytest.approx(10 / 12, abs=1e-4)


def test_four_answers_show_no_score_and_no_buckets() -> None:
    result = figures([10, 10, 0, 9])
    assert result.responses == 4
    assert result.score is None
    assert (result.promoters, result.passives, result.detractors) == (None, None, None)
    assert result.response_rate == 0.4
    assert not result.shown


def test_five_answers_are_enough() -> None:
    assert figures([10, 10, 0, 9, 7]).score == 40


@pytest.mark.parametrize(
    ("score", "side"),
    [
        (10, "promoter"),
        (9, "promoter"),
        (8, "passive"),
        (7, "passive"),
        (6, "detractor"),
        (0, "detractor"),
    ],
)
def test_answers_at_the_edges_fall_on_the_right_side(score: int, side: str) -> None:
    assert bucket(score) == side


def test_scores_outside_zero_to_ten_are_refused() -> None:
    for wrong in (-1, 11):
        with pytest.raises(ValueError, match="0 to 10"):
            bucket(wrong)


def test_the_score_runs_from_minus_100_to_100_and_halves_round_away_from_zero() -> None:
    assert nps(5, 0, 5) == 100
    assert nps(0, 5, 5) == -100
    assert nps(2, 1, 8) == 13  # 12.5
    assert nps(1, 2, 8) == -13  # −12.5
    assert nps(1, 0, 3) == 33  # 33.3…
    assert nps(0, 0, 0) is None


def test_response_rate_and_trend() -> None:
    assert response_rate(7, 10) == 0.7
    assert response_rate(0, 0) is None
    assert changes([20, 35, None, 42]) == [-15, None, None, None]
    assert changes([]) == []


# -- the cadence ---------------------------------------------------------------------------


def test_monthly_rounds_start_on_the_first_monday_at_ten_local_time() -> None:
    # 2026-03-02 is the first Monday of March; 10:00 in Bogotá is 15:00 UTC.
    at = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
    start, period = rules.latest_start("monthly", at, weekday=0, at=time(10), tz=BOGOTA)
    assert start == datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    assert period == "2026-03-02"
    assert rules.due_start("monthly", at, weekday=0, at=time(10), tz=BOGOTA) == (start, period)
    # A minute before, the latest start is February's, a month old: nothing to start.
    early = datetime(2026, 3, 2, 14, 59, tzinfo=UTC)
    assert (
        rules.latest_start("monthly", early, weekday=0, at=time(10), tz=BOGOTA)[1] == "2026-02-02"
    )
    assert rules.due_start("monthly", early, weekday=0, at=time(10), tz=BOGOTA) is None
    # A clock down for 23 hours still starts it; after a day it does not.
    late = start + timedelta(hours=23)
    assert rules.due_start("monthly", late, weekday=0, at=time(10), tz=BOGOTA) == (start, period)
    assert (
        rules.due_start("monthly", start + timedelta(hours=24), weekday=0, at=time(10), tz=BOGOTA)
        is None
    )


def test_each_cadence_picks_its_days() -> None:
    monday = 0
    assert rules.is_round_day("weekly", date(2026, 3, 9), monday)
    assert not rules.is_round_day("weekly", date(2026, 3, 10), monday)
    assert rules.is_round_day("biweekly", date(2024, 1, 1), monday)
    assert not rules.is_round_day("biweekly", date(2024, 1, 8), monday)
    assert rules.is_round_day("biweekly", date(2024, 1, 15), monday)
    assert rules.is_round_day("monthly", date(2026, 3, 2), monday)
    assert not rules.is_round_day("monthly", date(2026, 3, 9), monday)
    assert rules.is_round_day("quarterly", date(2026, 4, 6), monday)
    assert not rules.is_round_day("quarterly", date(2026, 3, 2), monday)
    assert not rules.is_round_day("off", date(2026, 3, 2), monday)
    assert (
        rules.latest_start(
            "off", datetime(2026, 3, 2, tzinfo=UTC), weekday=0, at=time(10), tz=BOGOTA
        )
        is None
    )


def test_quarterly_finds_the_last_quarter_start() -> None:
    at = datetime(2026, 6, 30, tzinfo=UTC)
    assert rules.latest_start("quarterly", at, weekday=0, at=time(10), tz=UTC_CAL.tz)[1] == (
        "2026-04-06"
    )


def test_rounds_keep_their_local_time_across_daylight_saving() -> None:
    before = rules.latest_start(
        "weekly", datetime(2026, 3, 2, 20, tzinfo=UTC), weekday=0, at=time(10), tz=NEW_YORK
    )
    after = rules.latest_start(
        "weekly", datetime(2026, 3, 9, 20, tzinfo=UTC), weekday=0, at=time(10), tz=NEW_YORK
    )
    assert before[0] == datetime(2026, 3, 2, 15, tzinfo=UTC)  # EST, UTC−5
    assert after[0] == datetime(2026, 3, 9, 14, tzinfo=UTC)  # EDT, UTC−4


# -- reminders -----------------------------------------------------------------------------


def test_reminders_on_day_three_and_five_at_the_start_time() -> None:
    start = datetime(2026, 3, 2, 10, tzinfo=UTC)  # Monday
    end = start + timedelta(days=7)
    assert rules.reminder_due(start, 3, UTC_CAL) == datetime(2026, 3, 4, 10, tzinfo=UTC)
    assert rules.reminder_due(start, 5, UTC_CAL) == datetime(2026, 3, 6, 10, tzinfo=UTC)
    due = [
        rules.reminders_due(start, end, (3, 5), UTC_CAL, at)
        for at in (
            datetime(2026, 3, 4, 9, 59, tzinfo=UTC),
            datetime(2026, 3, 4, 10, tzinfo=UTC),
            datetime(2026, 3, 6, 10, tzinfo=UTC),
            datetime(2026, 3, 12, tzinfo=UTC),
        )
    ]
    assert due == [0, 1, 2, 2]


def test_a_reminder_outside_working_hours_waits_for_the_next_working_moment() -> None:
    friday_evening = datetime(2026, 3, 6, 17, 30, tzinfo=UTC)
    # Day 3 is Sunday 17:30: the reminder goes Monday at 09:00.
    assert rules.reminder_due(friday_evening, 3, UTC_CAL) == datetime(2026, 3, 9, 9, tzinfo=UTC)
    monday_night = datetime(2026, 3, 2, 19, tzinfo=UTC)
    assert rules.reminder_due(monday_night, 3, UTC_CAL) == datetime(2026, 3, 5, 9, tzinfo=UTC)
    assert UTC_CAL.is_working_time(datetime(2026, 3, 4, 10, tzinfo=UTC))
    assert not UTC_CAL.is_working_time(datetime(2026, 3, 4, 18, tzinfo=UTC))
    assert not UTC_CAL.is_working_time(datetime(2026, 3, 7, 10, tzinfo=UTC))


def test_a_reminder_due_after_the_round_ends_never_is() -> None:
    start = datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert (
        rules.reminders_due(
            start, start + timedelta(days=4), (3, 5), UTC_CAL, start + timedelta(days=30)
        )
        == 1
    )


# -- people, clicks, comments --------------------------------------------------------------


def test_only_active_people_are_asked() -> None:
    assert rules.is_person("UALICE", {"is_bot": False, "deleted": False})
    assert not rules.is_person("UBOT", {"is_bot": True})
    assert not rules.is_person("UAPP", {"is_app_user": True})
    assert not rules.is_person("UGONE", {"deleted": True})
    assert not rules.is_person("USLACKBOT", {})
    assert not rules.is_person("UBATON", {}, baton_user_id="UBATON")


def test_button_values_carry_the_invitation_and_score_only() -> None:
    assert rules.parse_score(rules.score_value(12, 10)) == rules.ScoreClick(12, 10)
    assert rules.parse_score("7:0") == rules.ScoreClick(7, 0)
    for forged in ("12:11", "12:-1", "x:5", "", "12", "12:5:1"):
        with pytest.raises(InvalidInput, match="not one of Baton's survey buttons"):
            rules.parse_score(forged)


def test_comments_up_to_a_thousand_characters() -> None:
    assert rules.check_comment("  ") is None
    assert rules.check_comment(" more pairing ") == "more pairing"
    assert rules.check_comment("x" * 1000) == "x" * 1000
    with pytest.raises(InvalidInput, match="up to 1,000 characters; this one has 1,001"):
        rules.check_comment("x" * 1001)


def test_admin_words() -> None:
    assert rules.parse_admin("nps start") == "start"
    assert rules.parse_admin("NPS  Close") == "close"
    assert rules.parse_admin("nps") is None
    assert rules.parse_admin("nps start now") is None
    assert rules.parse_admin("escalations 30d") is None


def test_answers_are_filed_under_a_local_day_only() -> None:
    late = datetime(2026, 3, 3, 2, tzinfo=UTC)  # 21:00 on the 2nd in Bogotá
    assert rules.answer_day(late, BOGOTA) == date(2026, 3, 2)


# -- settings ------------------------------------------------------------------------------


def test_nps_defaults() -> None:
    settings = load_settings(BASE)
    assert settings.nps.cadence == "monthly"
    assert (settings.nps.weekday, settings.nps.at) == (0, time(10))
    assert settings.nps.audience is None
    assert settings.nps.question == (
        "How likely are you to recommend working with this team to a colleague?"
    )
    assert settings.nps.round_days == 7
    assert settings.nps.reminder_days == (3, 5)
    assert settings.nps.min_responses == 5
    assert settings.nps.send_per_minute == 50


def test_nps_values_are_read() -> None:
    settings = load_settings(
        BASE
        | {
            "BATON_NPS_CADENCE": "Biweekly",
            "BATON_NPS_DAY": "thu",
            "BATON_NPS_TIME": "09:30",
            "BATON_NPS_AUDIENCE": "S0TEAM",
            "BATON_NPS_QUESTION": "Would you recommend us?",
            "BATON_NPS_ROUND_DAYS": "10",
            "BATON_NPS_REMINDER_DAYS": "4,8",
            "BATON_NPS_MIN_RESPONSES": "3",
            "BATON_NPS_SEND_PER_MINUTE": "30",
        }
    )
    assert settings.nps.cadence == "biweekly"
    assert (settings.nps.weekday, settings.nps.at) == (3, time(9, 30))
    assert settings.nps.audience == "S0TEAM"
    assert settings.nps.round_days == 10
    assert settings.nps.reminder_days == (4, 8)
    assert settings.nps.min_responses == 3
    assert settings.nps.send_per_minute == 30
    assert load_settings(BASE | {"BATON_NPS_REMINDER_DAYS": "off"}).nps.reminder_days == ()
    assert load_settings(BASE | {"BATON_NPS_ROUND_DAYS": "4"}).nps.reminder_days == (3,)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BATON_NPS_MIN_RESPONSES", "2", "at least 3"),
        ("BATON_NPS_MIN_RESPONSES", "0", "at least 3"),
        ("BATON_NPS_MIN_RESPONSES", "five", "at least 3"),
        ("BATON_NPS_CADENCE", "daily", "one of weekly, biweekly, monthly, quarterly, off"),
        ("BATON_NPS_AUDIENCE", "#team", "a channel id (C012AB3CD) or a user group id"),
        ("BATON_NPS_DAY", "someday", "a weekday"),
        ("BATON_NPS_TIME", "25:00", "a time of day"),
        ("BATON_NPS_ROUND_DAYS", "0", "a whole number of days"),
        ("BATON_NPS_REMINDER_DAYS", "1", "from 2 on"),
        ("BATON_NPS_REMINDER_DAYS", "3,9", "inside the round (7 days"),
        ("BATON_NPS_SEND_PER_MINUTE", "-5", "messages a minute"),
        ("BATON_NPS_QUESTION", "?" * 301, "at most 300 characters"),
    ],
)
def test_bad_nps_settings_stop_start_up_naming_the_variable(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(BASE | {name: value})
    assert caught.value.variable == name
    assert message in str(caught.value)


# -- messages ------------------------------------------------------------------------------

ROUND = RoundInfo(
    id=3,
    audience="CTEAM",
    question="Would you recommend <us> & our work?",
    min_responses=5,
    started_at=datetime(2026, 3, 2, 10, tzinfo=UTC),
    ends_at=datetime(2026, 3, 9, 10, tzinfo=UTC),
)


def test_the_survey_dm_has_eleven_buttons_with_distinct_ids() -> None:
    message = build_invitation(ROUND, 41)
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    ids = [e["action_id"] for e in actions["elements"]]
    assert ids == [f"nps_score_{n}" for n in range(11)]
    assert [e["value"] for e in actions["elements"]] == [f"41:{n}" for n in range(11)]
    text = json.dumps(message["blocks"])
    assert "Would you recommend &lt;us&gt; &amp; our work?" in text
    assert "Anonymous" in text and "at least 5 people" in text
    assert "<!date^1773050400^" in text  # closes 2026-03-09 10:00 UTC


def test_the_thank_you_and_the_reminder_have_nothing_to_click() -> None:
    for message in (build_thanks(ROUND), build_reminder(ROUND)):
        assert all(b["type"] != "actions" for b in message["blocks"])
        assert "button" not in json.dumps(message)


def test_the_comment_modal_knows_the_answer_not_the_person() -> None:
    view = build_comment_modal("5f1c-answer", ROUND)
    assert json.loads(view["private_metadata"]) == {"answer": "5f1c-answer"}
    [field] = [b for b in view["blocks"] if b["type"] == "input"]
    assert field["optional"] is True
    assert field["element"]["max_length"] == 1000
    assert len(view["title"]["text"]) <= 24


def _round_json(**values):
    base = {
        "round": 3,
        "started": "2026-03-02T10:00:00+00:00",
        "closed": None,
        "invited": 10,
        "reached": 10,
        "undeliverable": 0,
        "responses": 4,
        "response_rate": 0.4,
        "promoters": None,
        "passives": None,
        "detractors": None,
        "score": None,
        "min_responses": 5,
        "comments": None,
        "change": None,
    }
    return base | values


def test_kpi_lines_below_the_minimum_say_not_enough_answers_yet() -> None:
    lines = dict(nps_lines({"rounds": [_round_json()]}))
    assert lines["NPS"] == "not enough answers yet (4 of 5)"
    assert lines["Response rate"] == "40% (4 of 10)"
    assert lines["Promoters · passives · detractors"] == "–"


def test_kpi_lines_and_trend_once_the_minimum_is_met() -> None:
    latest = _round_json(
        responses=10,
        response_rate=0.8333,
        promoters=5,
        passives=2,
        detractors=3,
        score=20,
        invited=12,
        reached=11,
        undeliverable=1,
        comments=["More pairing"],
    )
    older = _round_json(round=2, responses=6, score=35)
    lines = dict(nps_lines({"rounds": [latest, older]}))
    assert lines["NPS"] == "20"
    assert lines["Promoters · passives · detractors"] == "5 · 2 · 3"
    assert lines["Reached"] == "11 of 12 (1 undeliverable)"
    assert lines["Trend"] == "#2 35 → #3 20"
    extra = json.dumps(nps_extra_blocks({"rounds": [latest, older]}))
    assert "Below 50" in extra and "> More pairing" in extra
    assert nps_lines({"rounds": []}) == [("Rounds", "none yet")]


def test_many_long_comments_stay_inside_slacks_limits() -> None:
    blocks = comment_blocks(["y" * 1000] * 80, 3)
    assert len(blocks) <= 11
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert "more in `baton kpi nps --json`" in json.dumps(blocks[-1])


def test_the_pacer_spaces_sends_and_honours_pauses() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(60, clock=lambda: now[0], sleep=sleep)
    moments = []
    for _ in range(3):
        assert pacer.wait(lambda: False)
        moments.append(now[0])
    assert moments == pytest.approx([0.0, 1.0, 2.0])
    pacer.pause(5)
    assert pacer.wait(lambda: False)
    assert now[0] == pytest.approx(7.0)
    assert not pacer.wait(lambda: True)
