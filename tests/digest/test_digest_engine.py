"""One engine: a week of the weekly series is what /kpi gives for that week, on SQLite and
PostgreSQL alike; baselines are kept once final and read back."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from bot import demo
from bot.kpi import history
from bot.kpi.answers import FAMILIES
from bot.kpi.period import Period
from bot.kpi.weekly import Weeks, row
from storage import weekly as queries
from tests.digest.test_digest import DEMO_ENV
from tests.support.harness import Baton


@pytest.fixture
def team(make_baton: Callable[..., Baton]) -> Baton:
    baton = make_baton(**DEMO_ENV)
    baton.set_now(demo.NOW)
    demo.seed_history(baton.services, random.Random(demo.SEED), questions_per_day=(6, 8))
    return baton


LATENCY_KEYS = (
    "waiting",
    "answered",
    "unanswered",
    "median_seconds",
    "p90_seconds",
    "median_business_seconds",
    "p90_business_seconds",
    "within_sla_rate",
)


@pytest.mark.parametrize("monday", [date(2026, 8, 31), date(2026, 10, 5), date(2026, 11, 16)])
def test_a_weeks_figures_are_the_kpi_answer_for_that_week(team: Baton, monday: date) -> None:
    services = team.services
    weeks = Weeks(monday, 1, services.settings.calendar.tz)
    period = Period(weeks.start, weeks.end, 7)
    as_of = weeks.end
    for family, keys in (
        ("latency", LATENCY_KEYS),
        ("escalations", ("opened", "acknowledged", "resolved", "open_now", "mtta_seconds")),
        ("blockers", ("opened", "resolved", "open_now", "overdue", "resolution_rate")),
    ):
        weekly = history.weekly(services, family, weeks, as_of=as_of, start=demo.FIRST_MONDAY)
        mine = row(weekly, monday)
        theirs = FAMILIES[family](services, period, None)
        for key in keys:
            assert mine[key] == pytest.approx(theirs[key], abs=0.001), (family, key)


def test_baselines_are_kept_once_their_weeks_are_over(team: Baton) -> None:
    services = team.services
    found = history.baselines(services, ("escalations", "latency"), now=demo.NOW)
    # The demo's first six weeks opened 3, 2, 4, 3, 11, 5 escalations: the median is 3.5.
    assert found["escalations"]["opened"] == 3.5
    with team.db.reading() as session:
        kept = queries.stored_baseline(
            session, family="escalations", scope="", first_week=demo.FIRST_MONDAY, weeks=6
        )
    assert kept is not None and kept["opened"] == 3.5
    # Kept means read back, not recomputed: a changed row does not move it.
    again = history.baselines(services, ("escalations",), now=demo.NOW + timedelta(days=1))
    assert again["escalations"] == found["escalations"]


def test_a_baseline_is_provisional_while_its_weeks_run(team: Baton) -> None:
    services = team.services
    # After three of the six weeks: the median of 3, 2, 4; nothing kept yet.
    early = demo.NOW - timedelta(weeks=9)
    assert history.baselines(services, ("escalations",), now=early)["escalations"]["opened"] == 3
    with team.db.reading() as session:
        assert (
            queries.stored_baseline(
                session, family="escalations", scope="", first_week=demo.FIRST_MONDAY, weeks=6
            )
            is None
        )


def test_the_migration_builds_exactly_the_digest_and_alert_tables(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage.db import create_db_engine
    from storage.models import Base

    mine = {"digests", "digest_parts", "alert_states", "kpi_baselines", "ix_messages_waiting_week"}
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = [
                difference
                for difference in compare_metadata(context, Base.metadata)
                if any(name in repr(difference) for name in mine)
            ]
    finally:
        engine.dispose()
    assert differences == []
