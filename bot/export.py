"""CSV export of every table a user owns (not Baton's own bookkeeping)."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import Table, select

from storage.db import Database
from storage.models import Base

# slack_events and job_claims are Baton's bookkeeping, not the user's records.
EXPORTED = ("escalations", "blockers", "blocker_waits")


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
                ordered = select(table).order_by(*table.primary_key.columns)
                for row in session.execute(ordered.execution_options(yield_per=1000)):
                    writer.writerow(["" if value is None else _text(value) for value in row])
                    rows += 1
            written.append((path, rows))
    return written


def _text(value: object) -> str:
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)
