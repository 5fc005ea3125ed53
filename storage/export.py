"""CSV export of every table a user owns (not Baton's own bookkeeping)."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import Select, Table, func, select

from storage.db import Database
from storage.models import Base, NpsAnswer, NpsRound

# The records of what happened: escalations, blockers, conversations' times (never their text),
# survey rounds with their anonymous answers, and the sprints' check-ins. Left out as Baton's
# bookkeeping: deliveries seen, claimed jobs, the outbox, posted digests and reviews, alert
# states, baselines and scorecard snapshots (computed from the rest), the DMs asking for
# check-ins, side members (a copy of Slack's user groups) and survey invitations (who was
# asked: beside the answers of a small round, they would point at who said what).
EXPORTED = (
    "escalations",
    "blockers",
    "blocker_waits",
    "messages",
    "message_mentions",
    "nps_rounds",
    "nps_answers",
    "checkins",
)


def export_tables(db: Database, out: Path) -> list[tuple[Path, int]]:
    """Write one CSV with a header row per exported table; return each file and its row count."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with db.reading() as session:
        for name in EXPORTED:
            table: Table = Base.metadata.tables[name]
            path = out / f"{name}.csv"
            rows = 0
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow([column.name for column in table.columns])
                ordered = _rows(table).order_by(*table.primary_key.columns)
                shown = [_SHOWN.get((name, column.name), _text) for column in table.columns]
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


def _rows(table: Table) -> Select[tuple[object, ...]]:
    if table.name != "nps_answers":
        return select(table)
    # As in Slack: a round's answers are shown only once it has its minimum of answers.
    answers = select(func.count()).where(NpsAnswer.round_id == NpsRound.id).scalar_subquery()
    shown = select(NpsRound.id).where(answers >= NpsRound.min_responses)
    return select(table).where(table.c.round_id.in_(shown))


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
