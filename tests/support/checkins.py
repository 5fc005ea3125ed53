"""Check-ins stored the way a lead's form stores them, sprint by sprint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

from storage import checkins as store
from tests.support.harness import Baton


def seed_checkins(
    baton: Baton,
    first_monday: date,
    series: Mapping[str, Sequence[float | None]],
    *,
    days: int = 14,
    team_id: str = "T0BATON",
) -> None:
    """Store sprint k's numbers, series[name][k - 1], for each sprint the series cover."""
    count = max((len(values) for values in series.values()), default=0)
    with baton.db.unit_of_work() as session:
        for number in range(1, count + 1):
            start = first_monday + timedelta(days=(number - 1) * days)
            store.save(
                session,
                team_id=team_id,
                sprint=number,
                sprint_start=start,
                sprint_end=start + timedelta(days=days),
                values={name: values[number - 1] for name, values in series.items()},
                by=None,
                now=datetime.combine(start + timedelta(days=days), datetime.min.time(), UTC),
            )
