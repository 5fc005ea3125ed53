"""Check-in rules as plain functions: sprint dates, impossible numbers, the CSV a team keeps."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.checkins.fields import FIELD_NAMES
from bot.checkins.rules import Sprints, parse_number, problems, read_import
from bot.config.checkins import Section, parse_leads
from bot.config.settings import load_settings
from bot.core.errors import ConfigError, InvalidInput
from storage.checkins import FIELD_COLUMNS


def test_sprint_one_starts_on_the_first_monday_on_or_after_operation_started() -> None:
    on_a_monday = Sprints(date(2026, 8, 31), 14)
    assert on_a_monday.sprint(1).start == date(2026, 8, 31)
    assert on_a_monday.sprint(1).end == date(2026, 9, 14)  # start + 1 × 14 days
    assert on_a_monday.sprint(1).last_day == date(2026, 9, 13)
    on_a_wednesday = Sprints(date(2026, 9, 2), 14)
    assert on_a_wednesday.sprint(1).start == date(2026, 9, 7)
    assert on_a_wednesday.sprint(3).end == date(2026, 10, 19)  # 7 Sep + 3 × 14 days
    weekly = Sprints(date(2026, 9, 2), 7)
    assert weekly.sprint(2).start == date(2026, 9, 14)


def test_the_last_ended_sprint_is_the_one_whose_end_date_has_come() -> None:
    sprints = Sprints(date(2026, 8, 31), 14)
    assert sprints.last_ended(date(2026, 9, 13)) is None  # sprint 1's last day
    last = sprints.last_ended(date(2026, 9, 14))  # its end date
    assert last is not None and last.number == 1
    later = sprints.last_ended(date(2026, 11, 22))
    assert later is not None and later.number == 5  # 31 Aug + 5 × 14 = 9 Nov; 6 ends 23 Nov


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"tickets_resolved": 10, "tickets_first_time_fixed": 11}, "tickets_first_time_fixed"),
        ({"kt_items_total": 40, "kt_items_validated": 41}, "kt_items_validated"),
        ({"milestones_due": 2, "milestones_on_schedule": 3}, "milestones_on_schedule"),
        ({"leavers": 1, "key_role_leavers": 2}, "key_role_leavers"),
        ({"deployments": 4, "failed_changes": 5}, "failed_changes"),
        ({"budget_consumed_pct": 100.5}, "budget_consumed_pct"),
        ({"milestones_completed_pct": 101}, "milestones_completed_pct"),
        ({"spend": -1}, "spend"),
        ({"lead_time_hours": -0.5}, "lead_time_hours"),
    ],
)
def test_each_impossible_number_is_named_on_its_field(values: dict[str, float], field: str) -> None:
    found = problems(values)
    assert list(found) == [field]


def test_possible_numbers_pass_including_equal_parts_zero_and_missing_wholes() -> None:
    assert problems({"tickets_resolved": 10, "tickets_first_time_fixed": 10}) == {}
    assert problems({"deployments": 0, "failed_changes": 0}) == {}
    assert problems({"budget_consumed_pct": 100, "milestones_completed_pct": 0}) == {}
    # Without its whole, a part cannot be checked against it.
    assert problems({"kt_items_validated": 12, "kt_items_total": None}) == {}


def test_a_number_as_typed() -> None:
    assert parse_number("  ") is None
    assert parse_number(None) is None
    assert parse_number("0") == 0.0
    assert parse_number("12.5") == 12.5
    for bad in ("twelve", "nan", "inf", "1,5"):
        with pytest.raises(ValueError):
            parse_number(bad)


def test_the_leads_setting() -> None:
    leads = parse_leads("delivery:U012AB3CD, finance:U045EF6GH,U0ALL,kt:U012AB3CD")
    assert leads["U012AB3CD"] == {Section.DELIVERY, Section.KT}
    assert leads["U045EF6GH"] == {Section.FINANCE}
    assert leads["U0ALL"] == set(Section)
    for bad in ("delivery:nobody", "budget:U012AB3CD", ",,"):
        with pytest.raises(ValueError):
            parse_leads(bad)


def test_the_stored_columns_are_the_fields() -> None:
    assert FIELD_COLUMNS == FIELD_NAMES


# -- the CSV a team already keeps ----------------------------------------------------------------


def test_a_good_file_gives_each_sprints_numbers_and_skips_empty_cells() -> None:
    rows = read_import("sprint,spend,forecast\n1,100,120\n2,,130\n\n")
    assert [(row.line, row.sprint, row.values) for row in rows] == [
        (2, 1, {"spend": 100.0, "forecast": 120.0}),
        (3, 2, {"forecast": 130.0}),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("spend\n100\n", "line 1: the header needs a `sprint` column"),
        ("sprint,spent\n1,100\n", "line 1, column spent: not a check-in field"),
        ("sprint,spend\n1,100\n2,lots\n", "line 3, column spend: 'lots' is not a number"),
        ("sprint,spend\n1,100\n1,90\n", "line 3, column sprint: sprint 1 is given twice"),
        ("sprint,spend\none,100\n", "line 2, column sprint: 'one' is not a sprint number"),
        ("sprint,spend\n0,100\n", "line 2, column sprint: sprints are numbered from 1"),
        ("sprint,spend\n", "the file has no rows after its header"),
    ],
)
def test_a_bad_file_is_refused_with_one_line_naming_the_row_and_column(
    text: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_import(text)
    assert refused.value.user_message.startswith(message)
    assert "\n" not in refused.value.user_message


BASE = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "secret"}


def test_the_check_in_settings_and_their_defaults() -> None:
    default = load_settings(BASE).checkins
    assert (default.leads, default.transfer_date) == ({}, None)
    assert (default.review_at, default.review_private) == (time(9, 0), False)
    custom = load_settings(
        BASE
        | {
            "BATON_CHECKIN_LEADS": "kt:U012AB3CD",
            "BATON_TRANSFER_DATE": "2027-05-03",
            "BATON_REVIEW_TIME": "off",
            "BATON_REVIEW_PRIVATE": "true",
        }
    ).checkins
    assert custom.sections_of("U012AB3CD") == {Section.KT}
    assert custom.sections_of("UOTHER") == frozenset()
    assert (custom.transfer_date, custom.review_at, custom.review_private) == (
        date(2027, 5, 3),
        None,
        True,
    )


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("BATON_CHECKIN_LEADS", "budget:U012AB3CD", "section:user pairs"),
        ("BATON_TRANSFER_DATE", "3 May 2027", "a date such as 2027-06-30"),
        ("BATON_REVIEW_TIME", "9am", "a time of day such as 09:00, or off"),
        ("BATON_REVIEW_PRIVATE", "maybe", "true or false"),
    ],
)
def test_a_bad_check_in_setting_is_refused_in_one_line(
    variable: str, value: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(BASE | {variable: value})
    assert refused.value.variable == variable
    assert expected in str(refused.value) and "\n" not in str(refused.value)
