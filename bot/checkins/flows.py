"""Check-in flows: open a lead's form, save it, mark their DM done, import a spreadsheet."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.checkins import blocks
from bot.checkins.fields import FIELD_NAMES, fields_of
from bot.checkins.rules import (
    Sprint,
    Sprints,
    first_problem,
    merged,
    parse_number,
    problems,
    read_import,
)
from bot.config.checkins import Section
from bot.core.errors import InvalidInput, NotAllowed
from bot.core.ids import OutboxKind
from bot.runtime.outbox import promise
from bot.runtime.services import Services
from bot.runtime.slack_client import error_code, is_permanent
from storage import checkins as store
from storage.models import Checkin
from storage.scope import current_team

log = logging.getLogger(__name__)


def sprints_of(services: Services) -> Sprints:
    """The team's sprints; InvalidInput while BATON_OPERATE_START is not set."""
    settings = services.settings
    if settings.kpi.operate_start is None:
        raise InvalidInput(
            "Check-ins need BATON_OPERATE_START, the date operation started: sprints are "
            "counted from its first Monday. Ask your Baton admin to set it."
        )
    return Sprints(settings.kpi.operate_start, settings.kpi.sprint_days)


def sections_of(services: Services, user_id: str) -> frozenset[Section]:
    """The sections `user_id` leads; NotAllowed, saying who does, for anyone else."""
    sections = services.settings.checkins.sections_of(user_id)
    if sections:
        return sections
    leads = services.settings.checkins.leads
    named = ", ".join(f"<@{lead}>" for lead in leads) or "nobody yet (BATON_CHECKIN_LEADS)"
    raise NotAllowed(
        "Check-ins are filled in by the team's leads, and you are not one of them. "
        f"The leads are {named}; ask your Baton admin to add you to BATON_CHECKIN_LEADS."
    )


def ended_sprint(services: Services, number: int | None) -> Sprint:
    """Sprint `number`, or the last ended one; InvalidInput for a sprint not ended yet."""
    sprints = sprints_of(services)
    last = sprints.last_ended_at(services.now(), services.settings.calendar.tz)
    if last is None:
        first = sprints.sprint(1)
        raise InvalidInput(
            f"No sprint has ended yet: sprint 1 runs {blocks.sprint_dates(first)}, and its "
            "check-in opens when it ends."
        )
    if number is None:
        return last
    if number > last.number:
        asked = sprints.sprint(number)
        raise InvalidInput(
            f"Sprint {number} ({blocks.sprint_dates(asked)}) has not ended: the latest ended "
            f"sprint is {last.number}. Check-ins are for ended sprints."
        )
    return sprints.sprint(number)


def _stored(services: Services, sprint: int) -> dict[str, float | None]:
    with services.db.reading() as session:
        row = store.get(session, sprint=sprint)
        return values_of(row)


def values_of(row: Checkin | None) -> dict[str, float | None]:
    """A check-in's numbers by field; all None when nothing was entered."""
    return {name: None if row is None else getattr(row, name) for name in FIELD_NAMES}


def open_form(services: Services, user_id: str, number: int | None) -> dict[str, Any]:
    """The form of a lead's sections for sprint `number` (default: the last ended one)."""
    sections = sections_of(services, user_id)
    sprint = ended_sprint(services, number)
    return blocks.build_form(sprint, sections, _stored(services, sprint.number))


@dataclass(frozen=True)
class Saved:
    """What saving a form did."""

    sprint: Sprint
    numbers: int
    cleared: int


def save_form(
    services: Services,
    *,
    user_id: str,
    team_id: str,
    number: int,
    typed: Mapping[str, str | None],
) -> Saved | dict[str, str]:
    """Store every field of the lead's sections for sprint `number` (an empty one is cleared);
    or, when a number is impossible, what is wrong with each field, storing nothing."""
    sections = sections_of(services, user_id)
    sprint = ended_sprint(services, number)
    values: dict[str, float | None] = {}
    errors: dict[str, str] = {}
    for field in fields_of(sections):
        try:
            values[field.name] = parse_number(typed.get(field.name))
        except ValueError:
            errors[field.name] = "Not a number."
    errors = problems(values) | errors
    if errors:
        return errors
    now = services.now()
    with services.db.unit_of_work() as session:
        before = values_of(store.get(session, sprint=sprint.number))
        _store(session, sprint, team_id=team_id, values=values, by=user_id, now=now)
        done = store.mark_done(
            session, team_id=team_id, sprint=sprint.number, lead_id=user_id, now=now
        )
        if done is not None and done.channel_id and done.message_ts:
            promise(
                services,
                session,
                OutboxKind.CHECKIN_DONE,
                team_id=team_id,
                sprint=sprint.number,
                channel_id=done.channel_id,
                message_ts=done.message_ts,
            )
    cleared = sum(1 for name, value in values.items() if value is None and before[name] is not None)
    numbers = sum(1 for value in values.values() if value is not None)
    return Saved(sprint, numbers, cleared)


def _store(
    session: Session,
    sprint: Sprint,
    *,
    team_id: str,
    values: Mapping[str, float | None],
    by: str | None,
    now: datetime,
) -> None:
    """Set `values` on the sprint's check-in, with the sprint's dates."""
    store.save(
        session,
        team_id=team_id,
        sprint=sprint.number,
        sprint_start=sprint.start,
        sprint_end=sprint.end,
        values=values,
        by=by,
        now=now,
    )


def done_task(services: Services, payload: dict[str, Any]) -> None:
    """The outbox task behind a saved form: the lead's DM becomes "done"."""
    sprint = sprints_of(services).sprint(int(payload["sprint"]))
    try:
        services.client.chat_update(
            channel=str(payload["channel_id"]),
            ts=str(payload["message_ts"]),
            **blocks.build_done(sprint),
        )
    except Exception as error:
        if not is_permanent(error):
            raise
        log.info("check-in DM of sprint %s not updated: %s", sprint.number, error_code(error))


# -- a spreadsheet of past sprints -----------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    """What an import stored: the sprints, and how many numbers."""

    sprints: tuple[int, ...]
    numbers: int


def import_checkins(services: Services, text: str) -> Imported:
    """Store the numbers of a check-in CSV, all or nothing; InvalidInput (one line naming the
    line and the column) stops it before anything is stored."""
    rows = read_import(text)
    sprints = sprints_of(services)
    last = sprints.last_ended_at(services.now(), services.settings.calendar.tz)
    for row in rows:
        if last is None or row.sprint > last.number:
            ends = sprints.sprint(row.sprint).end
            raise InvalidInput(
                f"line {row.line}, column sprint: sprint {row.sprint} ends on {ends:%Y-%m-%d}; "
                "check-ins are for ended sprints"
            )
    now = services.now()
    with services.db.unit_of_work() as session:
        # The workspace `--team` named, else the one the records name, else BATON_TEAM_ID.
        team_id = current_team() or store.stored_team(session) or services.settings.team_id or ""
        for row in rows:
            stored = values_of(store.get(session, sprint=row.sprint))
            problem = first_problem(row.line, merged(stored, row.values))
            if problem is not None:
                raise problem
            sprint = sprints.sprint(row.sprint)
            _store(session, sprint, team_id=team_id, values=row.values, by=None, now=now)
    return Imported(tuple(row.sprint for row in rows), sum(len(row.values) for row in rows))


def sprint_of_date(sprints: Sprints, day: date) -> Sprint:
    """The sprint `day` falls in."""
    number = (day - sprints.first_day).days // sprints.days + 1
    return sprints.sprint(max(1, number))
