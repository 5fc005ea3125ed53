"""`baton portfolio`: every workspace's scorecard side by side, each from its own rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.db import Database
from storage.scope import acting_for
from tests.app.test_cli import run_baton
from tests.support.surveys import answered_round


def _survey(db: Database, team: str, scores: list[int]) -> None:
    """A round closed yesterday in which each person answered with their score."""
    people = {f"U{index}PERSON": score for index, score in enumerate(scores)}
    opened = datetime.now(UTC) - timedelta(days=8)
    with acting_for(team), db.unit_of_work() as session:
        answered_round(session, team_id=team, scores=people, opened=opened, min_responses=3)


def test_each_workspace_gets_its_row_with_its_own_scores(database_url: str, tmp_path: Path) -> None:
    db = Database(database_url)
    # Alpha: three promoters, NPS round(100 × 3 / 3) = +100. Bravo: two promoters and one
    # detractor of three answers, round(100 × (2 - 1) / 3) = +33.
    _survey(db, "TALPHA", [9, 10, 10])
    _survey(db, "TBRAVO", [0, 9, 10])
    db.dispose()
    env = {"DATABASE_URL": database_url}

    printed = run_baton("portfolio", "--json", env=env, cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    rows = json.loads(printed.stdout)["workspaces"]
    assert [row["team_id"] for row in rows] == ["TALPHA", "TBRAVO"]
    scores = [(row["kpis"]["nps"]["status"], row["kpis"]["nps"]["value"]) for row in rows]
    assert scores == [("green", 100.0), ("amber", 33.0)]

    table = run_baton("portfolio", env=env, cwd=tmp_path).stdout.splitlines()
    header = next(line for line in table if line.startswith("| Workspace"))
    nps_column = header.split(" | ").index("Internal NPS")
    cells = {
        line.split(" | ")[0].strip("| "): line.split(" | ")[nps_column]
        for line in table
        if line.startswith("| T")
    }
    assert cells == {"TALPHA": "🟢 +100", "TBRAVO": "🟠 +33"}


def test_an_empty_database_says_so(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/baton.db"}
    printed = run_baton("portfolio", env=env, cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == "No workspace has any records yet.\n"
