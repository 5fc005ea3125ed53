"""Latency rules without Slack or a database: what waits, who answers, business time, stats."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from bot.config.settings import load_settings
from bot.core.business_time import BusinessCalendar
from bot.core.durations import parse_duration
from bot.core.errors import ConfigError
from bot.kpi.latency import latency_kpis, quantile
from bot.latency import rules
from bot.latency.timing import Timing
from storage.latency import LatencyGroup
from storage.messages import Reply

BOGOTA = ZoneInfo("America/Bogota")
NEW_YORK = ZoneInfo("America/New_York")


def _event(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "type": "message",
        "channel": "CGENERAL",
        "channel_type": "channel",
        "user": "UASKER",
        "text": "hello",
        "ts": "1763740800.000100",
    }
    base.update(fields)
    return base


# -- which events count ------------------------------------------------------------------


def test_a_person_s_message_keeps_ids_times_and_two_facts_never_the_text() -> None:
    read = rules.read_message_event(
        _event(text="<@UOWNER|owner> can you check the deploy? <@UASKER>"), "T1"
    )
    assert isinstance(read, rules.MessageFacts)
    assert read.mentions == ("UOWNER",)  # a mention of oneself does not count
    assert read.is_question is True
    assert read.posted_at == datetime(2025, 11, 21, 16, 0, 0, 100, tzinfo=UTC)
    assert read.thread_ts is None
    assert "deploy" not in repr(read)


@pytest.mark.parametrize(
    "fields",
    [
        {"bot_id": "B123", "subtype": "bot_message"},
        {"bot_id": "B123"},
        {"subtype": "channel_join"},
        {"subtype": "channel_topic"},
        {"subtype": "channel_purpose"},
        {"subtype": "message_changed", "message": {"ts": "1763740800.000100", "text": "x?"}},
        {"user": "UBATON"},
        {"channel": "D0123", "channel_type": "im"},
        {"channel": "G0123", "channel_type": "mpim"},
        {"channel": "CSECRET"},
        {"ts": "not-a-ts"},
        {"user": None},
    ],
)
def test_what_is_not_a_timed_human_message_is_ignored(fields: dict[str, object]) -> None:
    event = _event(**fields)
    assert rules.read_message_event(event, "T1", bot_user_id="UBATON", excluded={"CSECRET"}) is None


@pytest.mark.parametrize("subtype", ["thread_broadcast", "file_share", "me_message"])
def test_people_talking_with_a_subtype_count(subtype: str) -> None:
    assert isinstance(rules.read_message_event(_event(subtype=subtype), "T1"), rules.MessageFacts)


def test_a_private_channel_counts_and_a_missing_channel_type_is_a_channel() -> None:
    assert rules.read_message_event(_event(channel="G1", channel_type="group"), "T1") is not None
    assert rules.read_message_event(_event(channel_type=None), "T1") is not None


def test_a_reply_carries_its_thread_and_a_parent_is_top_level() -> None:
    reply = rules.read_message_event(
        _event(ts="1763740900.000200", thread_ts="1763740800.000100"), "T"
    )
    parent = rules.read_message_event(_event(thread_ts="1763740800.000100"), "T")
    assert isinstance(reply, rules.MessageFacts) and reply.thread_ts == "1763740800.000100"
    assert isinstance(parent, rules.MessageFacts) and parent.thread_ts is None


def test_deletions_and_tombstones_take_a_message_out() -> None:
    deleted = rules.read_message_event(
        {
            "type": "message",
            "subtype": "message_deleted",
            "channel": "C1",
            "hidden": True,
            "deleted_ts": "1763740800.000100",
            "previous_message": {"user": "UA", "text": "x"},
        },
        "T1",
    )
    assert deleted == rules.Deletion(
        "T1", "C1", "1763740800.000100", datetime(2025, 11, 21, 16, 0, 0, 100, tzinfo=UTC)
    )
    tombstone = rules.read_message_event(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": "C1",
            "message": {"subtype": "tombstone", "ts": "1763740800.000100", "text": "deleted"},
        },
        "T1",
    )
    assert isinstance(tombstone, rules.Deletion)
    bots_deletion = rules.read_message_event(
        {
            "type": "message",
            "subtype": "message_deleted",
            "channel": "C1",
            "deleted_ts": "1763740800.000100",
            "previous_message": {"bot_id": "B1", "text": "x"},
        },
        "T1",
    )
    assert bots_deletion is None


def test_ts_is_written_so_that_text_order_is_time_order() -> None:
    assert rules.parse_ts("1700000000.0001") == (
        "1700000000.000100",
        datetime(2023, 11, 14, 22, 13, 20, 100, tzinfo=UTC),
    )
    assert rules.parse_ts("999999999.000001") is not None
    assert rules.parse_ts("999999999.000001")[0] == "0999999999.000001"  # type: ignore[index]
    assert rules.parse_ts(None) is None


# -- what waits --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("thread_ts", "people", "question", "kind"),
    [
        (None, ("UB",), False, "mention"),
        ("1.000000", ("UB",), False, "mention"),  # a mention in a thread waits too
        (None, (), True, "question"),
        ("1.000000", (), True, None),  # a question inside a thread does not wait
        (None, (), False, None),
    ],
)
def test_what_waits(
    thread_ts: str | None, people: tuple[str, ...], question: bool, kind: str | None
) -> None:
    assert rules.wait_kind(thread_ts, people, question) == kind


def test_the_side_expected_to_answer() -> None:
    sides = ("client", "partner")
    assert rules.expected_side("client", [None, "partner"], sides) == "partner"
    assert rules.expected_side("client", ["client"], sides) == "client"
    assert rules.expected_side("client", [None], sides) == "partner"  # else the other side
    assert rules.expected_side(None, [None], sides) is None
    assert rules.expected_side(None, [], ()) is None


def test_direction_is_between_two_different_sides() -> None:
    assert rules.direction("client", "partner") == "client→partner"
    assert rules.direction("partner", "partner") is None
    assert rules.direction(None, "partner") is None


# -- business time -----------------------------------------------------------------------


def _timing(calendar: BusinessCalendar, **sides: BusinessCalendar) -> Timing:
    return Timing(calendar, sides, parse_duration("4bh"), parse_duration("24bh"))


def _reply(at: datetime) -> Reply:
    return Reply("1.000000", "UB", at.astimezone(UTC))


def test_friday_1750_to_monday_0910_is_20_business_minutes() -> None:
    timing = _timing(BusinessCalendar(BOGOTA))
    asked = datetime(2026, 11, 20, 17, 50, tzinfo=BOGOTA)
    answer = timing.answer(asked, _reply(datetime(2026, 11, 23, 9, 10, tzinfo=BOGOTA)), None)
    assert answer.business_seconds == 20 * 60
    assert answer.wall_seconds == (2 * 24 + 15) * 3600 + 20 * 60


def test_a_public_holiday_on_monday_is_not_working_time() -> None:
    # 16 Nov 2026 is a public holiday in Colombia (Independence of Cartagena, observed).
    timing = _timing(BusinessCalendar(BOGOTA, country="CO"))
    asked = datetime(2026, 11, 13, 17, 50, tzinfo=BOGOTA)
    tuesday = timing.answer(asked, _reply(datetime(2026, 11, 17, 9, 10, tzinfo=BOGOTA)), None)
    assert tuesday.business_seconds == 20 * 60
    holiday = timing.answer(asked, _reply(datetime(2026, 11, 16, 11, 0, tzinfo=BOGOTA)), None)
    assert holiday.business_seconds == 10 * 60


def test_a_wait_across_the_end_of_daylight_saving_time() -> None:
    # New York leaves daylight saving time on Sunday 1 Nov 2026: Friday 17:00 EDT is 21:00 UTC,
    # Monday 10:00 EST is 15:00 UTC. 66 real hours, though the wall clock moved 65.
    timing = _timing(BusinessCalendar(NEW_YORK))
    asked = datetime(2026, 10, 30, 21, 0, tzinfo=UTC)
    answer = timing.answer(asked, _reply(datetime(2026, 11, 2, 15, 0, tzinfo=UTC)), None)
    assert answer.wall_seconds == 66 * 3600
    assert answer.business_seconds == 2 * 3600  # Friday 17-18 EDT, Monday 09-10 EST


def test_the_answering_side_s_working_time_counts() -> None:
    buenos_aires = BusinessCalendar(ZoneInfo("America/Argentina/Buenos_Aires"))
    timing = _timing(
        BusinessCalendar(NEW_YORK), client=BusinessCalendar(NEW_YORK), partner=buenos_aires
    )
    asked = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # Monday 17:00 New York, 19:00 Buenos Aires
    answered = _reply(datetime(2026, 11, 24, 12, 30, tzinfo=UTC))  # Tuesday 09:30 in Buenos Aires
    assert timing.answer(asked, answered, "partner").business_seconds == 30 * 60
    assert timing.answer(asked, answered, "client").business_seconds == 60 * 60
    assert timing.answer(asked, answered, None).business_seconds == 60 * 60


def test_the_windows_end_in_business_time() -> None:
    timing = _timing(BusinessCalendar(BOGOTA))
    asked = datetime(2026, 11, 20, 16, 0, tzinfo=BOGOTA)  # Friday
    sla, unanswered = timing.deadlines(asked, None)
    assert sla == datetime(2026, 11, 23, 11, 0, tzinfo=BOGOTA)  # 2 h Friday, 2 h Monday
    assert unanswered == datetime(2026, 11, 25, 13, 0, tzinfo=BOGOTA)  # 2 + 9 + 9 + 4 h


# -- settings ----------------------------------------------------------------------------

ENV = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}


def test_sides_settings_fall_back_to_the_global_ones() -> None:
    settings = load_settings(
        ENV
        | {
            "BATON_TIMEZONE": "America/New_York",
            "BATON_WORKHOURS": "08:00-17:00",
            "BATON_SIDES": "client=@Acme-Eng, partner=S0PARTNER",
            "BATON_SIDE_PARTNER_TIMEZONE": "America/Bogota",
            "BATON_SIDE_PARTNER_HOLIDAYS": "CO",
            "BATON_EXCLUDED_CHANNELS": "C0SECRET,G0HR",
            "BATON_RESPONSE_SLA": "2bh",
            "BATON_UNANSWERED_AFTER": "3d",
        }
    )
    client, partner = settings.latency.sides
    assert (client.name, client.group, client.group_is_id) == ("client", "acme-eng", False)
    assert (partner.name, partner.group, partner.group_is_id) == ("partner", "S0PARTNER", True)
    assert client.calendar.tz == NEW_YORK and client.calendar.start == time(8, 0)
    assert partner.calendar.tz == BOGOTA and partner.calendar.country == "CO"
    assert partner.calendar.start == time(8, 0)
    assert settings.latency.excluded_channels == {"C0SECRET", "G0HR"}
    assert str(settings.latency.response_sla) == "2 business hours"
    assert settings.latency.unanswered_after.after(
        datetime(2026, 1, 1, tzinfo=UTC), client.calendar
    ) == (datetime(2026, 1, 4, tzinfo=UTC))


def test_latency_defaults() -> None:
    settings = load_settings(ENV)
    assert settings.latency.sides == ()
    assert settings.latency.excluded_channels == frozenset()
    assert (str(settings.latency.response_sla), str(settings.latency.unanswered_after)) == (
        "4 business hours",
        "24 business hours",
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"BATON_SIDES": "client=@acme"}, "BATON_SIDES"),
        ({"BATON_SIDES": "client=@a,client=@b"}, "BATON_SIDES"),
        ({"BATON_SIDES": "client=@a,partner=@b,third=@c"}, "BATON_SIDES"),
        ({"BATON_SIDES": "client=acme eng,partner=@b"}, "BATON_SIDES"),
        (
            {"BATON_SIDES": "client=@a,partner=@b", "BATON_SIDE_CLIENT_TIMEZONE": "Mars/Base"},
            "BATON_SIDE_CLIENT_TIMEZONE",
        ),
        (
            {"BATON_SIDES": "client=@a,partner=@b", "BATON_SIDE_PARTNER_WORKHOURS": "18-9"},
            "BATON_SIDE_PARTNER_WORKHOURS",
        ),
        ({"BATON_EXCLUDED_CHANNELS": "#general"}, "BATON_EXCLUDED_CHANNELS"),
        ({"BATON_RESPONSE_SLA": "soon"}, "BATON_RESPONSE_SLA"),
        ({"BATON_UNANSWERED_AFTER": "0h"}, "BATON_UNANSWERED_AFTER"),
    ],
)
def test_bad_latency_settings_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(ENV | env)
    assert raised.value.variable == variable


# -- period statistics -------------------------------------------------------------------


def _group(
    channel: str,
    walls: list[float],
    *,
    sides: tuple[str | None, str | None] = (None, None),
    waiting: int | None = None,
    sla: tuple[int, int] = (0, 0),
    unanswered: int = 0,
) -> LatencyGroup:
    return LatencyGroup(
        channel_id=channel,
        author_side=sides[0],
        answer_side=sides[1],
        waiting=len(walls) if waiting is None else waiting,
        answered=len(walls),
        sla_ended=sla[1],
        within_sla=sla[0],
        unanswered=unanswered,
        wall_seconds=walls,
        business_seconds=[w / 2 for w in walls],
    )


def test_quantiles_interpolate_like_pandas() -> None:
    import numpy as np

    values = [10.0, 20.0, 30.0, 40.0, 1000.0, 7.5, 3.25]
    for q in (0.5, 0.9):
        assert quantile(np.array(values), q) == round(float(pd.Series(values).quantile(q)), 3)
    assert quantile(np.array([]), 0.5) is None


def test_latency_figures_by_hand() -> None:
    groups = [
        _group(
            "CA", [60.0, 120.0], sides=("client", "partner"), waiting=3, sla=(1, 2), unanswered=1
        ),
        _group("CA", [600.0], sides=("partner", "client"), sla=(1, 1)),
        _group("CB", [30.0, 90.0, 300.0, 900.0], waiting=5),
    ]
    answer = latency_kpis(groups, ["client", "partner"])
    assert answer["waiting"] == 9
    assert answer["answered"] == 7
    assert answer["unanswered"] == 1
    # 30 60 90 120 300 600 900: median 120; p90 at rank 5.4 → 600 + 0.4 × 300 = 720.
    assert answer["median_seconds"] == 120.0
    assert answer["p90_seconds"] == 720.0
    assert answer["median_business_seconds"] == 60.0
    assert answer["p90_business_seconds"] == 360.0
    assert answer["within_sla_rate"] == round(2 / 3, 4)
    assert list(answer["by_channel"]) == ["CB", "CA"]  # busiest first
    assert answer["by_channel"]["CA"]["median_seconds"] == 120.0  # 60 120 600
    assert answer["by_direction"]["client→partner"]["median_seconds"] == 90.0
    assert answer["by_direction"]["partner→client"]["waiting"] == 1
    assert latency_kpis(groups)["by_direction"] == {}


def test_no_data_gives_zeros_and_nulls() -> None:
    answer = latency_kpis([], ["client", "partner"])
    assert answer["waiting"] == answer["answered"] == answer["unanswered"] == 0
    assert answer["median_seconds"] is None and answer["within_sla_rate"] is None
    assert answer["by_channel"] == {}
    assert answer["by_direction"]["client→partner"]["p90_seconds"] is None


def test_rates_are_from_0_to_1_and_durations_in_seconds() -> None:
    answer = latency_kpis([_group("C", [timedelta(hours=5).total_seconds()], sla=(0, 1))])
    assert answer["median_seconds"] == 18000.0
    assert answer["within_sla_rate"] == 0.0
