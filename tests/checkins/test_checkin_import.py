"""`baton checkin import FILE.csv`: the spreadsheet a team already keeps, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.checkins.flows import import_checkins
from bot.core.errors import InvalidInput
from storage import checkins as store
from storage.db import Database
from tests.app.test_cli import run_baton
from tests.support.harness import Baton

ENV = {"BATON_OPERATE_START": "2026-08-31"}  # sprint 6 ends 23 Nov 2026
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
def team(make_baton: Callable[..., Baton]) -> Baton:
    baton = make_baton(**ENV)
    baton.set_now(NOW)
    return baton


def numbers(database: Database, sprint: int) -> dict[str, float]:
    """The numbers stored for `sprint`, without the empty ones."""
    with database.reading() as session:
        row = store.get(session, sprint=sprint)
        if row is None:
            return {}
        values = {name: getattr(row, name) for name in store.FIELD_COLUMNS}
    return {name: value for name, value in values.items() if value is not None}


def test_a_good_file_stores_each_sprint_with_its_dates(team: Baton) -> None:
    imported = import_checkins(
        team.services,
        "sprint,points_planned,points_delivered,spend,forecast\n"
        "1,30,24,9000,10000\n"
        "2,30,27.5,10500,10000\n",
    )
    assert (imported.sprints, imported.numbers) == ((1, 2), 8)
    assert numbers(team.db, 2) == {
        "points_planned": 30,
        "points_delivered": 27.5,
        "spend": 10500,
        "forecast": 10000,
    }
    with team.db.reading() as session:
        row = store.get(session, sprint=2)
        assert row is not None
        assert (str(row.sprint_start), str(row.sprint_end)) == ("2026-09-14", "2026-09-28")
        assert row.updated_by is None  # imported, not typed by a lead


def test_empty_cells_keep_the_stored_values(team: Baton) -> None:
    import_checkins(team.services, "sprint,spend,forecast\n3,100,120\n")
    import_checkins(team.services, "sprint,spend,forecast\n3,,130\n")
    assert numbers(team.db, 3) == {"spend": 100, "forecast": 130}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sprint,spend\n1,100\n2,a lot\n", "line 3, column spend: 'a lot' is not a number"),
        ("sprint,spend,overtime\n1,100,4\n", "line 1, column overtime: not a check-in field"),
        ("sprint,spend\n1,100\n2,90\n1,80\n", "line 4, column sprint: sprint 1 is given twice"),
        ("sprint,spend\n1,100\n2,-5\n", "line 3, column spend: Must be 0 or more."),
        (
            "sprint,deployments,failed_changes\n1,4,1\n2,3,4\n",
            "line 3, column failed_changes: Cannot be: more failed changes than deployments",
        ),
        ("sprint,spend\n1,100\n7,100\n", "line 3, column sprint: sprint 7 ends on 2026-12-07"),
    ],
)
def test_one_bad_cell_stops_the_import_and_nothing_is_stored(
    team: Baton, text: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        import_checkins(team.services, text)
    assert refused.value.user_message.startswith(message)
    assert numbers(team.db, 1) == {} and numbers(team.db, 2) == {}


def test_a_part_larger_than_its_stored_whole_is_refused(team: Baton) -> None:
    import_checkins(team.services, "sprint,tickets_resolved\n4,10\n")
    with pytest.raises(InvalidInput) as refused:
        import_checkins(team.services, "sprint,tickets_first_time_fixed\n4,12\n")
    assert refused.value.user_message.startswith(
        "line 2, column tickets_first_time_fixed: Cannot be: more first-time fixes than resolved"
    )
    assert numbers(team.db, 4) == {"tickets_resolved": 10}


def test_the_command_says_what_it_stored_or_one_line_and_no_traceback(
    database_url: str, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": database_url, **ENV}
    good = tmp_path / "sprints.csv"
    good.write_text("sprint,kt_items_total,kt_items_validated\n1,40,10\n2,42,15\n")
    done = run_baton("checkin", "import", str(good), env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "imported 4 numbers for sprints 1, 2"
    bad = tmp_path / "bad.csv"
    bad.write_text("sprint,kt_items_total,kt_items_validated\n3,44,20\n4,44,45\n")
    refused = run_baton("checkin", "import", str(bad), env=env, cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"baton: {bad}: line 3, column kt_items_validated: Cannot be: more items validated "
        "than in all (45 > 44); nothing was imported"
    )
    database = Database(database_url)
    try:
        assert numbers(database, 3) == {}
        assert numbers(database, 2) == {"kt_items_total": 42, "kt_items_validated": 15}
    finally:
        database.dispose()
    missing = run_baton("checkin", "import", str(tmp_path / "nope.csv"), env=env, cwd=tmp_path)
    assert "cannot read it" in missing.stderr and "Traceback" not in missing.stderr


def test_an_import_before_anything_else_is_filed_under_baton_team_id(
    make_baton: Callable[..., Baton],
) -> None:
    baton = make_baton(**ENV, BATON_TEAM_ID="T0FROMENV")
    baton.set_now(NOW)
    import_checkins(baton.services, "sprint,spend\n3,100\n")
    with baton.db.reading() as session:
        row = store.get(session, sprint=3)
        assert row is not None
        assert row.team_id == "T0FROMENV"
