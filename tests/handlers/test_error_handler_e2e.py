"""The global error handler end to end: what the user sees, and what Baton's log keeps.

An unexpected failure is made the way a deployment meets one: a table Baton needs is renamed
under the running server (code ahead of its migrations, or a hand-edited schema), on SQLite and
PostgreSQL alike. Baton runs in the test process, so its log is the `caplog` records.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests
from sqlalchemy import func, select, text

from bot.blockers.rules import MAX_TEXT
from bot.core.ids import BlockerAction, EscalationAction, EscalationBlock, EscalationView
from storage.db import create_db_engine
from storage.models import Blocker, Escalation
from tests.support.harness import BOT_TOKEN, SIGNING_SECRET, Baton, state

REFERENCE = re.compile(r"Reference `([0-9a-f]{8})`")
SOMETHING_WENT_WRONG = "Something went wrong on Baton's side"
MODELS = {"escalations": Escalation, "blockers": Blocker}


# -- helpers -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _baton_log_level(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)  # Baton's default LOG_LEVEL


@contextmanager
def table_missing(database_url: str, table: str) -> Iterator[None]:
    """`table` is renamed away while Baton keeps running, then put back."""
    engine = create_db_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"ALTER TABLE {table} RENAME TO {table}_elsewhere"))
        yield
        with engine.begin() as connection:
            connection.execute(text(f"ALTER TABLE {table}_elsewhere RENAME TO {table}"))
    finally:
        engine.dispose()


def count(baton: Baton, table: str) -> int:
    with baton.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(MODELS[table])) or 0)


def reference_in(message: str) -> str:
    found = REFERENCE.search(message)
    assert found, f"no reference id in {message!r}"
    return found.group(1)


def assert_logged_with_traceback(
    caplog: pytest.LogCaptureFixture, reference: str, table: str, where: str
) -> None:
    """One ERROR record names the reference and the request that failed (by ids only), and
    carries the traceback of the real cause."""
    [record] = [r for r in caplog.records if reference in r.getMessage()]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    logged = logging.Formatter("%(levelname)s %(name)s: %(message)s").format(record)
    assert logged.startswith(
        f"ERROR handlers.errors: unexpected error in {where}, reference {reference}"
    )
    assert "Traceback (most recent call last)" in logged
    assert table in logged  # the missing table, as the database named it
    assert "handlers/" in logged  # the stack reaches the listener that failed
    for secret in (BOT_TOKEN, SIGNING_SECRET):
        assert secret not in caplog.text


def assert_user_sees_no_internals(message: str, table: str) -> None:
    assert "Traceback" not in message
    assert table not in message
    assert "sql" not in message.lower()
    for secret in (BOT_TOKEN, SIGNING_SECRET):
        assert secret not in message


def assert_nothing_logged_as_unexpected(caplog: pytest.LogCaptureFixture) -> None:
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []
    assert "Traceback" not in caplog.text
    assert "reference" not in caplog.text.lower()


def ephemeral_answer(response: requests.Response) -> str:
    """The text of the ephemeral message Slack shows for a slash command's answer."""
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    return str(answer["text"])


def told_by_response_url(baton: Baton) -> str:
    """The one ephemeral note posted to a click's response_url, leaving the message as it is."""
    [told] = baton.fake_slack.calls_to("response_url")
    assert told.args["response_type"] == "ephemeral"
    assert told.args["replace_original"] is False
    return str(told.args["text"])


# -- an unexpected error -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "words", "table"),
    [
        ("/escalate", "sev1 Database down", "escalations"),
        ("/escalate", "list", "escalations"),
        ("/blocker", "Waiting on the vendor's API key", "blockers"),
        ("/blocker", "list", "blockers"),
    ],
)
def test_a_failing_command_shows_a_reference_that_is_logged_with_its_traceback(
    baton: Baton,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
    command: str,
    words: str,
    table: str,
) -> None:
    with table_missing(database_url, table):
        response = baton.command(command, words)
        message = ephemeral_answer(response)

    assert SOMETHING_WENT_WRONG in message
    reference = reference_in(message)
    assert_user_sees_no_internals(message, table)
    where = f"command {command} (user UREPORTER, channel CGENERAL)"
    assert_logged_with_traceback(caplog, reference, table, where)

    # Nothing was half-done: no row, no post, once the table is back.
    baton.settle()
    assert count(baton, table) == 0
    assert baton.fake_slack.calls_to("chat.postMessage") == []


def test_each_failure_gets_its_own_reference(
    baton: Baton, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with table_missing(database_url, "escalations"):
        first = reference_in(ephemeral_answer(baton.command("/escalate", "list")))
        second = reference_in(ephemeral_answer(baton.command("/escalate", "list")))
    assert first != second
    where = "command /escalate (user UREPORTER, channel CGENERAL)"
    assert_logged_with_traceback(caplog, first, "escalations", where)
    assert_logged_with_traceback(caplog, second, "escalations", where)


@pytest.mark.parametrize(
    ("command", "words", "action", "table"),
    [
        ("/escalate", "sev1 Database down", EscalationAction.ACKNOWLEDGE, "escalations"),
        ("/blocker", "Waiting on the vendor's API key", BlockerAction.RESOLVE, "blockers"),
    ],
)
def test_a_failing_button_click_tells_the_clicker_a_reference_that_is_logged(
    baton: Baton,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
    command: str,
    words: str,
    action: str,
    table: str,
) -> None:
    assert baton.command(command, words).status_code == 200
    baton.settle()
    assert count(baton, table) == 1
    baton.fake_slack.reset()
    caplog.clear()

    with table_missing(database_url, table):
        response = baton.block_action(action, "1", user="UREPORTER")
        # Slack gets its plain 200 at once: no 500, no stack, no retry.
        assert response.status_code == 200
        assert response.text == ""
        message = told_by_response_url(baton)

    assert SOMETHING_WENT_WRONG in message
    reference = reference_in(message)
    assert_user_sees_no_internals(message, table)
    where = f"block_actions {action} (user UREPORTER, channel CGENERAL)"
    assert_logged_with_traceback(caplog, reference, table, where)
    baton.settle()
    assert baton.fake_slack.calls_to("chat.update") == []
    assert baton.fake_slack.calls_to("views.open") == []


def test_a_failing_form_submission_shows_the_reference_in_the_modal(
    baton: Baton, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    values = state(**{EscalationBlock.TITLE: "Payments API timing out"})
    with table_missing(database_url, "escalations"):
        response = baton.view_submission(
            EscalationView.CREATE, values, private_metadata=json.dumps({"channel_id": "CTEAM"})
        )
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "update"
    shown = json.dumps(answer["view"]["blocks"])
    assert SOMETHING_WENT_WRONG in shown
    reference = reference_in(shown)
    assert_user_sees_no_internals(shown, "escalations")
    where = f"view_submission {EscalationView.CREATE} (user UREPORTER, channel -)"
    assert_logged_with_traceback(caplog, reference, "escalations", where)
    baton.settle()
    assert count(baton, "escalations") == 0


# -- a known error -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "words", "expected", "table"),
    [
        (
            "/escalate",
            "sev1 " + "x" * 151,
            "The title is 151 characters long; the limit is 150.",
            "escalations",
        ),
        (
            "/escalate",
            "<@UNOBODY|ghost> Database down",
            "I can't find the user <@UNOBODY> in this workspace, so nothing was recorded.",
            "escalations",
        ),
        (
            "/blocker",
            "x" * (MAX_TEXT + 1),
            f"That blocker is {MAX_TEXT + 1:,} characters long; the limit is {MAX_TEXT}.",
            "blockers",
        ),
    ],
)
def test_a_known_error_is_explained_without_a_reference_or_a_traceback(
    baton: Baton,
    caplog: pytest.LogCaptureFixture,
    command: str,
    words: str,
    expected: str,
    table: str,
) -> None:
    message = ephemeral_answer(baton.command(command, words))
    assert expected in message
    assert SOMETHING_WENT_WRONG not in message
    assert REFERENCE.search(message) is None
    assert_nothing_logged_as_unexpected(caplog)
    baton.settle()
    assert count(baton, table) == 0
    assert baton.fake_slack.calls_to("chat.postMessage") == []


def test_a_refused_click_is_explained_without_a_reference_or_a_traceback(
    baton: Baton, caplog: pytest.LogCaptureFixture
) -> None:
    assert baton.command("/escalate", "sev1 <@UOWNER> Database down").status_code == 200
    baton.settle()
    baton.fake_slack.reset()
    caplog.clear()

    response = baton.block_action(EscalationAction.ACKNOWLEDGE, "1", user="UOTHER")
    assert response.status_code == 200
    assert response.text == ""
    message = told_by_response_url(baton)
    assert message == (
        "Only the owner, the reporter, the current assignee or a Baton admin can acknowledge "
        "escalation #1. Nothing was changed."
    )
    assert_nothing_logged_as_unexpected(caplog)
    with baton.db.reading() as session:
        assert session.scalars(select(Escalation.acknowledged_at)).one() is None
    baton.settle()
    assert baton.fake_slack.calls_to("chat.update") == []
