"""Check-in rules as plain functions: sprints and their dates, what a number may be, which
numbers cannot be together, and reading a spreadsheet of past sprints."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.checkins.fields import AT_MOST, BY_NAME, FIELD_NAMES
from bot.core.errors import InvalidInput

Values = Mapping[str, float | None]


# -- sprints ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sprint:
    """Sprint `number`: from `start` to the day before `end` (its "end date")."""

    number: int
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)


@dataclass(frozen=True)
class Sprints:
    """Sprint 1 starts on the first Monday on or after operation started; each lasts `days`."""

    operate_start: date
    days: int

    @property
    def first_day(self) -> date:
        start = self.operate_start
        return start + timedelta(days=(7 - start.weekday()) % 7)

    def sprint(self, number: int) -> Sprint:
        if number < 1:
            raise ValueError(number)
        start = self.first_day + timedelta(days=(number - 1) * self.days)
        return Sprint(number, start, start + timedelta(days=self.days))

    def last_ended(self, today: date) -> Sprint | None:
        """The latest sprint whose end date has come by `today`; None before the first ends."""
        count = (today - self.first_day).days // self.days
        return self.sprint(count) if count >= 1 else None

    def last_ended_at(self, now: datetime, tz: ZoneInfo) -> Sprint | None:
        return self.last_ended(now.astimezone(tz).date())


# -- numbers -------------------------------------------------------------------------------


def parse_number(raw: str | None) -> float | None:
    """A number as typed: None when empty; ValueError when it is not a number."""
    text = (raw or "").strip()
    if not text:
        return None
    value = float(text)
    if math.isnan(value) or math.isinf(value):
        raise ValueError(text)
    return value


def problems(values: Values) -> dict[str, str]:
    """What is impossible in `values`, by field: a negative number, a percentage above 100, or a
    part larger than its whole (named on the part). Empty when all is well."""
    found: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        if value < 0:
            found[name] = "Must be 0 or more."
        elif BY_NAME[name].percent and value > 100:
            found[name] = "A percentage is at most 100."
    for rule in AT_MOST:
        part, whole = values.get(rule.part), values.get(rule.whole)
        if part is not None and whole is not None and part > whole and rule.part not in found:
            found[rule.part] = (
                f"Cannot be: {rule.problem} ({number_text(part)} > {number_text(whole)})."
            )
    return found


def number_text(value: float) -> str:
    """12, 12.5: a number as a lead typed it."""
    return f"{value:g}"


# -- a spreadsheet of past sprints -----------------------------------------------------------


@dataclass(frozen=True)
class ImportedRow:
    """One row of an imported file: its line, its sprint and the numbers it gives."""

    line: int
    sprint: int
    values: dict[str, float]  # only the cells that hold a number: an empty cell keeps the stored


def read_import(text: str) -> list[ImportedRow]:
    """The rows of a check-in CSV: a header with `sprint` and field names, a row per sprint.

    InvalidInput names the line and the column of the first thing wrong: an unknown column, a
    cell that is not a number of 0 or more, a sprint given twice.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in next(reader, [])]
    if "sprint" not in header:
        raise InvalidInput("line 1: the header needs a `sprint` column (1, 2, …)")
    for name in header:
        if name != "sprint" and name not in FIELD_NAMES:
            raise InvalidInput(f"line 1, column {name or '(empty)'}: not a check-in field")
    seen: dict[int, int] = {}
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            raise InvalidInput(f"line {line}: more cells than the header has columns")
        row = dict(zip(header, [cell.strip() for cell in cells], strict=False))
        sprint = _sprint_cell(row.get("sprint", ""), line)
        if sprint in seen:
            raise InvalidInput(
                f"line {line}, column sprint: sprint {sprint} is given twice (lines "
                f"{seen[sprint]} and {line})"
            )
        seen[sprint] = line
        values: dict[str, float] = {}
        for name in header:
            if name == "sprint" or not row.get(name):
                continue
            try:
                value = parse_number(row[name])
            except ValueError:
                raise InvalidInput(
                    f"line {line}, column {name}: {row[name]!r} is not a number"
                ) from None
            if value is not None:
                values[name] = value
        rows.append(ImportedRow(line, sprint, values))
    if not rows:
        raise InvalidInput("the file has no rows after its header")
    return rows


def _sprint_cell(cell: str, line: int) -> int:
    try:
        sprint = int(cell)
    except ValueError:
        raise InvalidInput(
            f"line {line}, column sprint: {cell!r} is not a sprint number (1, 2, …)"
        ) from None
    if sprint < 1:
        raise InvalidInput(f"line {line}, column sprint: sprints are numbered from 1")
    return sprint


def first_problem(line: int, values: Values) -> InvalidInput | None:
    """The first impossible number of an imported row (after its empty cells took the stored
    values), as the one line the import stops with."""
    found = problems(values)
    for name in FIELD_NAMES:
        if name in found:
            return InvalidInput(f"line {line}, column {name}: {found[name]}")
    return None


def merged(stored: Values, given: Mapping[str, float]) -> dict[str, float | None]:
    """The stored numbers with the given ones in their place."""
    return {name: given.get(name, stored.get(name)) for name in FIELD_NAMES}


def given_fields(rows: Iterable[ImportedRow]) -> set[str]:
    return {name for row in rows for name in row.values}
