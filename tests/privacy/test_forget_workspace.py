"""`baton forget-workspace` and `baton export --team`, run as a user runs them."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from storage import escalations
from storage.db import Database
from tests.app.test_cli import run_baton

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def _escalate(url: str, *teams: str) -> None:
    db = Database(url)
    with db.unit_of_work() as session:
        for team in teams:
            escalations.create_escalation(
                session,
                team_id=team,
                title=f"Down at {team}",
                severity=2,
                reporter_id="UREPORTER",
                owner_id="UOWNER",
                source_channel_id="CGENERAL",
                now=NOW,
            )
    db.dispose()


def test_forget_workspace_prints_what_it_deleted_and_keeps_the_other(
    database_url: str, tmp_path: Path
) -> None:
    _escalate(database_url, "TALPHA", "TALPHA", "TBRAVO")
    env = {"DATABASE_URL": database_url}

    done = run_baton("forget-workspace", "TALPHA", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["TALPHA forgotten: 2 rows deleted:", "  escalations  2"]

    again = run_baton("forget-workspace", "TALPHA", env=env, cwd=tmp_path)
    assert again.stdout.splitlines() == ["Nothing is stored for TALPHA: nothing deleted."]

    kept = run_baton("export", "--out", str(tmp_path / "out"), env=env, cwd=tmp_path)
    assert kept.returncode == 0, kept.stderr
    with (tmp_path / "out" / "escalations.csv").open(newline="") as handle:
        assert [row["team_id"] for row in csv.DictReader(handle)] == ["TBRAVO"]


def test_a_malformed_workspace_id_is_refused_in_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/baton.db"
    refused = run_baton("forget-workspace", "acme", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "baton: 'acme' is not a workspace id such as T012AB3CD."
    ]


def test_export_asks_which_workspace_when_several_are_stored(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/baton.db"
    assert run_baton("db", "upgrade", env={"DATABASE_URL": url}, cwd=tmp_path).returncode == 0
    _escalate(url, "TALPHA", "TBRAVO", "TBRAVO")
    env = {"DATABASE_URL": url}

    asked = run_baton("export", "--out", str(tmp_path / "all"), env=env, cwd=tmp_path)
    assert asked.returncode == 2
    assert asked.stderr.strip().splitlines() == [
        "baton: 2 workspaces are stored (TALPHA, TBRAVO): choose one with --team T…"
    ]
    unknown = run_baton(
        "export", "--out", str(tmp_path / "x"), "--team", "TCHARLIE", env=env, cwd=tmp_path
    )
    assert unknown.returncode == 2
    assert unknown.stderr.strip().splitlines() == [
        "baton: --team: nothing is stored for TCHARLIE (workspaces stored: TALPHA, TBRAVO)"
    ]

    bravo = run_baton(
        "export", "--out", str(tmp_path / "bravo"), "--team", "TBRAVO", env=env, cwd=tmp_path
    )
    assert bravo.returncode == 0, bravo.stderr
    assert "escalations.csv  (2 rows)" in bravo.stdout
    with (tmp_path / "bravo" / "escalations.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["team_id"], row["title"]) for row in rows] == [
        ("TBRAVO", "Down at TBRAVO"),
        ("TBRAVO", "Down at TBRAVO"),
    ]
