"""Escalation rules without Slack or a database: parsing, who may act, reminder stages."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.business_time import BusinessCalendar
from bot.core.durations import parse_duration, wait_text
from bot.core.errors import InvalidInput
from bot.core.severity import Severity
from bot.escalations.rules import (
    Create,
    Draft,
    ListOpen,
    OpenForm,
    ShowUsage,
    check_link,
    check_note,
    last_stage,
    may_act,
    parse_command,
    read_form,
    stages_due,
)

UTC_CAL = BusinessCalendar(ZoneInfo("UTC"))


def _parse(text: str, default: Severity = Severity.SEV3, owner: str | None = None) -> Create:
    command = parse_command(text, default_severity=default, default_owner=owner)
    assert isinstance(command, Create), command
    return command


# -- parsing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "severity"),
    [
        ("sev1", Severity.SEV1),
        ("SEV2", Severity.SEV2),
        ("Sev3", Severity.SEV3),
        ("sev4", Severity.SEV4),
        ("critical", Severity.SEV1),
        ("HIGH", Severity.SEV2),
        ("Medium", Severity.SEV3),
        ("low", Severity.SEV4),
    ],
)
def test_each_severity_word_in_any_case(word: str, severity: Severity) -> None:
    command = _parse(f"{word} Checkout is down", default=Severity.SEV4)
    assert command.draft.severity is severity
    assert command.draft.title == "Checkout is down"


def test_without_a_severity_word_the_default_applies_and_no_owner() -> None:
    command = _parse("Checkout is down", default=Severity.SEV3)
    assert command.draft == Draft("Checkout is down", Severity.SEV3, None)
    assert command.owner_mentioned is False


def test_default_owner_from_settings_is_not_marked_as_mentioned() -> None:
    command = _parse("Checkout is down", owner="UOWNER")
    assert command.draft.owner_id == "UOWNER"
    assert command.owner_mentioned is False


@pytest.mark.parametrize(
    "text",
    [
        "sev1 <@UOWNER|owner> Checkout is down",
        "<@UOWNER|owner> sev1 Checkout is down",
        "<@UOWNER> critical   Checkout is down",
    ],
)
def test_owner_mention_and_severity_in_either_order(text: str) -> None:
    command = _parse(text, owner="UDEFAULT")
    assert command.draft == Draft("Checkout is down", Severity.SEV1, "UOWNER")
    assert command.owner_mentioned is True


def test_only_leading_words_are_read_the_rest_is_the_title_as_typed() -> None:
    command = _parse("sev2 high CPU on <@UOTHER|other>'s box")
    assert command.draft.severity is Severity.SEV2
    assert command.draft.owner_id is None
    assert command.draft.title == "high CPU on <@UOTHER|other>'s box"


def test_a_severity_word_glued_to_punctuation_is_title() -> None:
    assert _parse("sev1: db down").draft.title == "sev1: db down"


def test_slack_escapes_are_undone_and_sql_is_stored_as_typed() -> None:
    command = _parse("Robert'); DROP TABLE escalations;-- &amp; &lt;b&gt;")
    assert command.draft.title == "Robert'); DROP TABLE escalations;-- & <b>"


def test_title_is_trimmed() -> None:
    assert _parse("  sev2   Checkout is down  \n").draft.title == "Checkout is down"


def test_150_characters_is_fine_151_is_refused() -> None:
    assert len(_parse("x" * 150).draft.title) == 150
    with pytest.raises(InvalidInput, match="151 characters long; the limit is 150"):
        parse_command("sev1 " + "x" * 151, default_severity=Severity.SEV3, default_owner=None)


def test_ten_thousand_characters_is_refused_clearly() -> None:
    with pytest.raises(InvalidInput, match="10,000 characters long; the limit is 150"):
        parse_command("y" * 10_000, default_severity=Severity.SEV3, default_owner=None)


def test_emoji_and_right_to_left_text_count_as_characters() -> None:
    fire = "🔥" * 150
    assert _parse(fire).draft.title == fire
    hebrew = "השרת נפל " * 16  # 9 characters × 16 = 144, 143 after trimming
    assert _parse(hebrew).draft.title == hebrew.strip()
    arabic = "الخادم معطل"
    assert _parse(f"sev1 {arabic}").draft.title == arabic
    with pytest.raises(InvalidInput):
        parse_command("🔥" * 151, default_severity=Severity.SEV3, default_owner=None)


@pytest.mark.parametrize("text", ["sev1", "sev1 <@UOWNER>", "<@UOWNER|o>  ", "low"])
def test_no_title_is_an_error(text: str) -> None:
    with pytest.raises(InvalidInput, match="Give the escalation a title"):
        parse_command(text, default_severity=Severity.SEV3, default_owner=None)


def test_empty_text_opens_the_form() -> None:
    assert parse_command("   ", default_severity=Severity.SEV3, default_owner=None) == OpenForm()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("list", ListOpen()),
        ("LIST", ListOpen()),
        ("help", ShowUsage()),
        ("list extra", ShowUsage("`list` takes nothing after it.")),
        ("help me please", ShowUsage("`help` takes nothing after it.")),
    ],
)
def test_subcommands(text: str, expected: object) -> None:
    assert parse_command(text, default_severity=Severity.SEV3, default_owner=None) == expected


@pytest.mark.parametrize(("text", "meant"), [("lsit", "list"), ("lst", "list"), ("HLEP", "help")])
def test_a_lone_word_one_slip_from_a_subcommand_gets_the_usage(text: str, meant: str) -> None:
    command = parse_command(text, default_severity=Severity.SEV3, default_owner=None)
    assert isinstance(command, ShowUsage) and command.problem is not None
    assert f"`/escalate {text}` looks like a slip for `/escalate {meant}`" in command.problem
    assert "nothing was recorded" in command.problem


@pytest.mark.parametrize("text", ["?", "-h", "--help"])
def test_the_usual_help_flags_get_the_usage(text: str) -> None:
    assert parse_command(text, default_severity=Severity.SEV3, default_owner=None) == ShowUsage()


@pytest.mark.parametrize("text", ["outage", "lsit is broken", "sev2 lsit"])
def test_other_words_and_longer_texts_are_titles(text: str) -> None:
    assert _parse(text).draft.title == text.removeprefix("sev2 ")


def test_a_title_starting_with_list_needs_a_severity_first() -> None:
    assert _parse("sev3 list page is slow").draft.title == "list page is slow"


# -- the modal's fields ------------------------------------------------------------------


def test_form_with_defaults() -> None:
    draft, errors = read_form(
        title="  Checkout down ",
        severity=None,
        owner_id=None,
        description="",
        link=None,
        default_severity=Severity.SEV2,
        default_owner="UOWNER",
    )
    assert errors == {}
    assert draft == Draft("Checkout down", Severity.SEV2, "UOWNER", None, None)


def test_form_errors_name_each_wrong_field() -> None:
    draft, errors = read_form(
        title="x" * 151,
        severity="sev9",
        owner_id="UOWNER",
        description="d" * 3001,
        link="ftp://example.com",
        default_severity=Severity.SEV3,
        default_owner=None,
    )
    assert draft is None
    assert errors == {
        "title": "At most 150 characters; this has 151.",
        "severity": "Pick a severity from the list.",
        "description": "The description is 3,001 characters long; the limit is 3,000.",
        "link": "The link must be a web address starting with https:// or http://.",
    }


@pytest.mark.parametrize(
    "link", ["https://status.example.com/incidents/42", "HTTP://example.com", "https://x.io/a?b=c"]
)
def test_links_that_look_like_web_addresses(link: str) -> None:
    assert check_link(f"  {link} ") == link


@pytest.mark.parametrize("link", ["example.com", "https://", "https:// spaced.com", "javascript:x"])
def test_links_that_do_not(link: str) -> None:
    with pytest.raises(InvalidInput):
        check_link(link)


def test_note_is_optional_and_limited() -> None:
    assert check_note("   ") is None
    assert check_note(" fixed ") == "fixed"
    assert check_note("n" * 3000) == "n" * 3000
    with pytest.raises(InvalidInput):
        check_note("n" * 3001)


# -- who may act -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_id", "allowed"),
    [
        ("UOWNER", True),
        ("UREPORTER", True),
        ("ULEVEL1", True),  # the current assignee
        ("UADMIN", True),
        ("UOTHER", False),
        ("ULEVEL2", False),
        ("", False),
    ],
)
def test_permission_matrix(user_id: str, allowed: bool) -> None:
    assert (
        may_act(
            user_id,
            owner_id="UOWNER",
            reporter_id="UREPORTER",
            assignee_id="ULEVEL1",
            admins=frozenset({"UADMIN"}),
        )
        is allowed
    )


def test_without_owner_nobody_else_is_let_in_by_the_empty_owner() -> None:
    assert not may_act(
        "UOTHER", owner_id=None, reporter_id="UREPORTER", assignee_id=None, admins=()
    )


# -- reminder stages ---------------------------------------------------------------------


def _due(created: datetime, timeout: str, levels: int, now: datetime, cal=UTC_CAL) -> list:
    return [
        (s.number, s.kind, s.level, s.due_at)
        for s in stages_due(
            created_at=created,
            timeout=parse_duration(timeout),
            calendar=cal,
            level_count=levels,
            now=now,
        )
    ]


def test_nothing_before_the_timeout() -> None:
    created = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert _due(created, "30m", 2, datetime(2026, 3, 2, 10, 29, 59, tzinfo=UTC)) == []


def test_sev2_thirty_minutes_remind_then_move_then_remind() -> None:
    created = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    t = lambda h, m: datetime(2026, 3, 2, h, m, tzinfo=UTC)  # noqa: E731
    assert _due(created, "30m", 2, t(10, 30)) == [(1, "remind", 0, t(10, 30))]
    assert _due(created, "30m", 2, t(11, 0)) == [
        (1, "remind", 0, t(10, 30)),
        (2, "move", 1, t(11, 0)),
    ]
    # Two levels: remind, L1, remind L1, L2, remind L2, then nothing more.
    assert _due(created, "30m", 2, t(23, 0)) == [
        (1, "remind", 0, t(10, 30)),
        (2, "move", 1, t(11, 0)),
        (3, "remind", 1, t(11, 30)),
        (4, "move", 2, t(12, 0)),
        (5, "remind", 2, t(12, 30)),
    ]
    assert last_stage(2) == 5


def test_without_levels_only_the_owner_is_reminded_once() -> None:
    created = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert [s[0] for s in _due(created, "15m", 0, datetime(2026, 3, 9, tzinfo=UTC))] == [1]


def test_sev4_one_business_day_across_a_weekend() -> None:
    # Working time 09:00-18:00 Monday-Friday, UTC: one business day is 9 hours.
    # Created Friday 2026-03-06 16:00: 2 h on Friday + 7 h on Monday → Monday 16:00;
    # 2×T = 18 h: 2 h Friday + 9 h Monday + 7 h Tuesday → Tuesday 16:00.
    created = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    assert created.weekday() == 4
    saturday_noon = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    assert _due(created, "1bd", 1, saturday_noon) == []
    monday_1559 = datetime(2026, 3, 9, 15, 59, tzinfo=UTC)
    assert _due(created, "1bd", 1, monday_1559) == []
    monday_4pm = datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
    assert _due(created, "1bd", 1, monday_4pm) == [(1, "remind", 0, monday_4pm)]
    tuesday_4pm = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
    assert _due(created, "1bd", 1, tuesday_4pm) == [
        (1, "remind", 0, monday_4pm),
        (2, "move", 1, tuesday_4pm),
    ]


def test_business_days_in_a_local_time_zone() -> None:
    # Bogotá is UTC-5 all year: 09:00-18:00 there is 14:00-23:00 UTC.
    bogota = BusinessCalendar(ZoneInfo("America/Bogota"))
    created = datetime(2026, 3, 6, 21, 0, tzinfo=UTC)  # Friday 16:00 in Bogotá
    monday_4pm_bogota = datetime(2026, 3, 9, 21, 0, tzinfo=UTC)
    due = _due(created, "1bd", 0, monday_4pm_bogota, cal=bogota)
    assert due == [(1, "remind", 0, monday_4pm_bogota)]


@pytest.mark.parametrize(
    ("timeout", "times", "words"),
    [
        ("15m", 1, "15 min"),
        ("30m", 2, "1 h"),
        ("45m", 2, "1 h 30 min"),
        ("4h", 2, "8 h"),
        ("2d", 1, "2 d"),
        ("1bd", 1, "1 business day"),
        ("1bd", 2, "2 business days"),
        ("4bh", 1, "4 business hours"),
        ("90s", 1, "1 min"),
    ],
)
def test_waits_in_words(timeout: str, times: int, words: str) -> None:
    assert wait_text(parse_duration(timeout), times) == words
