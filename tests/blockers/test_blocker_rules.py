"""Blocker rules without Slack or a database: parsing, who may resolve, the SLA deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.blockers.rules import (
    MAX_NOTE,
    BlockerCard,
    BlockerRequest,
    CommandKind,
    check_note,
    is_overdue,
    may_resolve,
    mine_label,
    parse_command,
    sla_deadline,
)
from bot.config.settings import load_settings
from bot.core.durations import parse_duration
from bot.core.errors import InvalidInput

ENV = {"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": "s"}


def _create(text: str) -> BlockerRequest:
    command = parse_command(text)
    assert command.kind is CommandKind.CREATE
    assert command.request is not None
    return command.request


# -- parsing ---------------------------------------------------------------------------------


def test_mentions_of_people_and_channels_are_whom_it_waits_on() -> None:
    request = _create(
        "Need prod DB creds from <@UOWNER|owner> and <#CINFRA|infra>, cc <@ULEVEL1> <@UOWNER>"
    )
    assert request.waits_on_users == ("UOWNER", "ULEVEL1")
    assert request.waits_on_channels == ("CINFRA",)
    assert request.text == (
        "Need prod DB creds from <@UOWNER|owner> and <#CINFRA|infra>, cc <@ULEVEL1> <@UOWNER>"
    )


def test_text_without_mentions_waits_on_nobody() -> None:
    request = _create("  CI runners are down  ")
    assert request.text == "CI runners are down"
    assert request.waits_on_users == ()
    assert request.waits_on_channels == ()


def test_500_characters_are_accepted_and_501_refused() -> None:
    assert len(_create("x" * 500).text) == 500
    with pytest.raises(InvalidInput, match="501 characters long; the limit is 500"):
        parse_command("x" * 501)


def test_the_limit_counts_characters_after_trimming() -> None:
    assert _create("   " + "y" * 500 + "\n\n").text == "y" * 500


def test_ten_thousand_characters_are_refused_with_the_count() -> None:
    with pytest.raises(InvalidInput, match="10,000 characters long"):
        parse_command("z" * 10_000)


def test_emoji_count_as_characters_not_bytes() -> None:
    text = "🚧" * 500  # 2,000 bytes in UTF-8
    assert _create(text).text == text
    with pytest.raises(InvalidInput):
        parse_command("🚧" * 501)


def test_right_to_left_and_sql_looking_text_is_kept_as_typed() -> None:
    rtl = "الخادم متوقف — ننتظر فريق البنية"
    assert _create(rtl).text == rtl
    sql = '\'; DROP TABLE blockers; -- "quoted" & done'
    assert _create(sql.replace("&", "&amp;")).text == sql


def test_slack_escaping_is_undone_but_typed_brackets_are_not_mentions() -> None:
    request = _create("a &lt;@UFAKE&gt; b &lt; c &amp;&amp; d &gt; e")
    assert request.text == "a <@UFAKE> b < c && d > e"
    assert request.waits_on_users == ()


@pytest.mark.parametrize("text", [" ", "   \n\t "])
def test_blank_text_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="needs a description"):
        parse_command(text)


def test_no_text_opens_the_form() -> None:
    assert parse_command("").kind is CommandKind.FORM


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("list", CommandKind.LIST),
        (" LIST ", CommandKind.LIST),
        ("mine", CommandKind.MINE),
        ("help", CommandKind.HELP),
        ("Help", CommandKind.HELP),
    ],
)
def test_a_text_that_is_just_a_subcommand_is_the_subcommand(text: str, kind: CommandKind) -> None:
    assert parse_command(text).kind is kind


@pytest.mark.parametrize("text", ["list of hosts is stale", "help needed with VPN", "mine is down"])
def test_a_subcommand_word_inside_a_sentence_is_a_blocker(text: str) -> None:
    assert _create(text).text == text


@pytest.mark.parametrize(("text", "meant"), [("lsit", "list"), ("mien", "mine"), ("hepl", "help")])
def test_a_lone_word_one_slip_from_a_subcommand_gets_the_usage(text: str, meant: str) -> None:
    command = parse_command(text)
    assert command.kind is CommandKind.HELP and command.request is None
    assert command.problem is not None
    assert f"`/blocker {text}` looks like a slip for `/blocker {meant}`" in command.problem


@pytest.mark.parametrize("text", ["deploys", "frobnicate", "lsit of hosts is stale"])
def test_other_words_and_longer_texts_are_blockers(text: str) -> None:
    assert _create(text).text == text


def test_a_note_is_optional_and_limited_to_3000_characters() -> None:
    assert check_note(None) is None
    assert check_note("   ") is None
    assert check_note(" done ") == "done"
    assert check_note("n" * MAX_NOTE) == "n" * 3000
    with pytest.raises(InvalidInput, match="3,001 characters long"):
        check_note("n" * 3001)


# -- who may resolve -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "allowed"),
    [
        ("UREPORTER", True),
        ("UOWNER", True),
        ("ULEVEL1", True),
        ("UADMIN", True),
        ("UOTHER", False),
        ("CINFRA", False),  # a channel it waits on is not a person
    ],
)
def test_who_may_resolve(user: str, allowed: bool) -> None:
    assert (
        may_resolve(
            user,
            reporter_id="UREPORTER",
            waits_on_users=("UOWNER", "ULEVEL1"),
            admins=frozenset({"UADMIN"}),
        )
        is allowed
    )


def test_without_admins_or_waits_only_the_reporter_may_resolve() -> None:
    assert may_resolve("UREPORTER", reporter_id="UREPORTER", waits_on_users=(), admins=())
    assert not may_resolve("UADMIN", reporter_id="UREPORTER", waits_on_users=(), admins=())


def test_the_mine_label_says_why_a_blocker_is_listed() -> None:
    card = BlockerCard(
        id=1,
        text="t",
        reporter_id="UREPORTER",
        source_channel_id="CGENERAL",
        created_at=datetime(2024, 5, 1, tzinfo=UTC),
        waits_on_users=("UOWNER", "UREPORTER"),
    )
    assert mine_label("UOWNER", card) == "waits on you"
    assert mine_label("UREPORTER", card) == "raised by you, waits on you"
    assert mine_label("UREPORTER", BlockerCard(**{**card.__dict__, "waits_on_users": ()})) == (
        "raised by you"
    )


# -- the SLA deadline ------------------------------------------------------------------------


def test_raised_thursday_1500_is_due_monday_1500() -> None:
    # 2 business days = 18 working hours: Thu 15–18 (3 h), Fri 09–18 (9 h), Mon 09–15 (6 h).
    settings = load_settings(
        {**ENV, "BATON_TIMEZONE": "America/Bogota", "BATON_WORKHOURS": "09:00-18:00"}
    )
    bogota = ZoneInfo("America/Bogota")
    raised = datetime(2024, 5, 16, 15, 0, tzinfo=bogota)  # a Thursday
    due = sla_deadline(raised, settings.blockers.sla, settings.calendar)
    assert due == datetime(2024, 5, 20, 15, 0, tzinfo=bogota)
    assert due.astimezone(bogota).strftime("%A %H:%M") == "Monday 15:00"


def test_a_public_holiday_is_not_working_time() -> None:
    # Memorial Day, Monday 2024-05-27, is a US holiday: the 6 hours left move to Tuesday.
    settings = load_settings({**ENV, "BATON_TIMEZONE": "America/New_York", "BATON_HOLIDAYS": "US"})
    new_york = ZoneInfo("America/New_York")
    raised = datetime(2024, 5, 23, 15, 0, tzinfo=new_york)  # Thursday
    due = sla_deadline(raised, settings.blockers.sla, settings.calendar)
    assert due == datetime(2024, 5, 28, 15, 0, tzinfo=new_york)


def test_without_the_holiday_setting_that_monday_counts() -> None:
    settings = load_settings({**ENV, "BATON_TIMEZONE": "America/New_York"})
    new_york = ZoneInfo("America/New_York")
    raised = datetime(2024, 5, 23, 15, 0, tzinfo=new_york)
    assert sla_deadline(raised, settings.blockers.sla, settings.calendar) == datetime(
        2024, 5, 27, 15, 0, tzinfo=new_york
    )


def test_raised_outside_working_hours_the_clock_starts_next_morning() -> None:
    settings = load_settings(ENV)  # UTC, Mon–Fri 09:00–18:00
    raised = datetime(2024, 5, 18, 11, 0, tzinfo=UTC)  # Saturday
    # Mon 09–18 (9 h) + Tue 09–18 (9 h).
    assert sla_deadline(raised, settings.blockers.sla, settings.calendar) == datetime(
        2024, 5, 21, 18, 0, tzinfo=UTC
    )


def test_overdue_from_the_deadline_on() -> None:
    settings = load_settings(ENV)
    raised = datetime(2024, 5, 16, 15, 0, tzinfo=UTC)
    due = datetime(2024, 5, 20, 15, 0, tzinfo=UTC)
    sla, calendar = settings.blockers.sla, settings.calendar
    assert not is_overdue(raised, due - timedelta(seconds=1), sla, calendar)
    assert is_overdue(raised, due, sla, calendar)


def test_a_wall_clock_sla_ignores_working_hours() -> None:
    settings = load_settings({**ENV, "BATON_BLOCKER_SLA": "4h"})
    raised = datetime(2024, 5, 18, 22, 0, tzinfo=UTC)  # Saturday night
    assert settings.blockers.sla == parse_duration("4h")
    assert sla_deadline(raised, settings.blockers.sla, settings.calendar) == datetime(
        2024, 5, 19, 2, 0, tzinfo=UTC
    )
