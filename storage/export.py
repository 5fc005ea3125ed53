"""CSV export of every table that holds a person's data: a user id, or a list of members."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Select, Table, func, select

from storage.db import Database
from storage.models import Base, NpsAnswer, NpsRound

# Every table that names a person is written, in its primary key's order:
# - what happened: escalations, blockers and whom they wait on;
# - conversations' times (never their text): messages, the people and the user groups they
#   mention, the user groups' members as Baton read them, and who is on which side; and the
#   latency figures of the weeks whose messages were deleted (BATON_RETENTION_DAYS), which name
#   nobody but are all that is left of those weeks;
# - surveys: rounds, who was asked in which round, and the answers of the rounds that reached
#   their minimum (as Slack shows them; no person in them);
# - check-ins, the DMs that asked the leads for them, and the claims of scheduled work (kept
#   for good; a check-in DM's claim names its lead);
# - who changed a workspace's settings in Slack, when, from what to what.
# Left out, as naming nobody: delivery records of Slack events (deleted after a day), posted
# digests and reviews, alert states, baselines and scorecard snapshots.
# Left out, though it may name a person inside a task's payload: the outbox, Slack work waiting
# to be done. A task lives until it is done (seconds; a paced run of survey DMs, the length of
# its sending), then 7 days before the clock deletes it.
EXPORTED = (
    "escalations",
    "blockers",
    "blocker_waits",
    "messages",
    "message_mentions",
    "message_group_mentions",
    "latency_weeks_kept",
    "latency_weeks",
    "usergroup_readings",
    "side_members",
    "nps_rounds",
    "nps_invitations",
    "nps_answers",
    "checkins",
    "checkin_prompts",
    "job_claims",
    "workspace_setting_changes",
)

# Tables written in part: only these columns, in the order of these (a unique key) instead.
# An invitation's status, times, reminders, attempts and DM would say who answered, and when;
# beside the answers of a small round, they would point at who said what. Who was asked in
# which round says neither.
_ONLY = {"nps_invitations": ("round_id", "user_id")}


def export_tables(db: Database, out: Path, team_id: str | None = None) -> list[tuple[Path, int]]:
    """Write one CSV with a header row per exported table, with only `team_id`'s rows when
    given; return each file and its row count."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with db.reading() as session:
        for name in EXPORTED:
            table: Table = Base.metadata.tables[name]
            columns = _columns(table)
            path = out / f"{name}.csv"
            rows = 0
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow([column.name for column in columns])
                ordered = _rows(table, columns)
                if team_id is not None:
                    ordered = ordered.where(table.c.team_id == team_id)
                shown = [_SHOWN.get((name, column.name), _text) for column in columns]
                for row in session.execute(ordered.execution_options(yield_per=1000)):
                    writer.writerow(
                        [
                            "" if value is None else show(value)
                            for show, value in zip(shown, row, strict=True)
                        ]
                    )
                    rows += 1
            written.append((path, rows))
    return written


def _columns(table: Table) -> list[Column[object]]:
    only = _ONLY.get(table.name)
    return list(table.columns) if only is None else [table.c[name] for name in only]


def _rows(table: Table, columns: list[Column[object]]) -> Select[*tuple[Any, ...]]:
    key = list(table.primary_key.columns) if table.name not in _ONLY else columns
    chosen = select(*columns).order_by(*key)
    if table.name != "nps_answers":
        return chosen
    # As in Slack: a round's answers are shown only once it has its minimum of answers.
    answers = select(func.count()).where(NpsAnswer.round_id == NpsRound.id).scalar_subquery()
    shown = select(NpsRound.id).where(answers >= NpsRound.min_responses)
    return chosen.where(table.c.round_id.in_(shown))


def _severity(value: object) -> str:
    return f"sev{value}"


# Columns written as Baton shows them elsewhere, not as stored.
_SHOWN = {("escalations", "severity"): _severity}


# A spreadsheet opening the file runs a cell that starts with one of these as a formula
# (`=HYPERLINK(…)` in an escalation's title); a leading apostrophe makes it text, as typed.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: object) -> str:
    if isinstance(value, str):
        return f"'{value}" if value.startswith(_FORMULA_STARTS) else value
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)
