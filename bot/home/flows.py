"""The App Home tab, published for one person when they open it."""

from __future__ import annotations

import logging
from typing import Any

from bot.blockers import rules as blocker_rules
from bot.blockers.flows import card_of
from bot.checkins.rules import Sprint, Sprints
from bot.core.ids import OutboxKind
from bot.escalations.flows import snapshot
from bot.home.blocks import build_home_view
from bot.kpi.answers import answer
from bot.kpi.scorecard import may_see_everything, scorecard
from bot.runtime.outbox import promise
from bot.runtime.services import Services
from bot.settings.flows import home_part
from storage import blockers as blocker_store
from storage import checkins as checkin_store
from storage import escalations as escalation_store
from storage.events import Delivery, record_delivery

log = logging.getLogger(__name__)


def publish_home(services: Services, user_id: str) -> None:
    """Build the viewer's Home tab from the database and publish it."""
    with services.db.reading() as session:
        escalations = [
            snapshot(row)
            for row in escalation_store.open_escalations(session)
            if user_id in (row.owner_id, row.assignee_id, row.reporter_id)
        ]
        cards = [card_of(row) for row in blocker_store.open_for_user(session, user_id)]
    blockers = [(card, blocker_rules.mine_label(user_id, card)) for card in cards]
    week = answer(services, "summary", days=7)
    card = scorecard(services).shown_to(may_see_everything(services, user_id))
    view = build_home_view(
        escalations=escalations,
        blockers=blockers,
        week=week,
        scorecard=card,
        checkin=_checkin_of(services, user_id),
        settings=home_part(services, user_id=user_id, team_id=services.team_id),
    )
    services.client.views_publish(user_id=user_id, view=view)


def _checkin_of(services: Services, user_id: str) -> tuple[Sprint, bool] | None:
    """A lead's check-in of the last ended sprint, and whether they saved it."""
    settings = services.settings
    if not settings.checkins.sections_of(user_id) or settings.kpi.operate_start is None:
        return None
    sprints = Sprints(settings.kpi.operate_start, settings.kpi.sprint_days)
    sprint = sprints.last_ended_at(services.now(), settings.calendar.tz)
    if sprint is None:
        return None
    with services.db.reading() as session:
        prompt = checkin_store.prompt(session, sprint=sprint.number, lead_id=user_id)
        done = prompt is not None and prompt.done_at is not None
    return sprint, done


def promise_publish(services: Services, *, event_id: str, team_id: str, user_id: str) -> bool:
    """Someone opened the Home tab: promise its publication, once per delivery of the event."""
    delivery = Delivery(event_id, team_id, "app_home_opened", services.now())
    with services.db.unit_of_work() as session:
        if not record_delivery(session, delivery):
            log.info("repeat delivery of %s ignored", event_id)
            return False
        promise(services, session, OutboxKind.HOME_PUBLISH, team_id=team_id, user_id=user_id)
    return True


def publish_task(services: Services, payload: dict[str, Any]) -> None:
    """The outbox task promised when someone opens the Home tab."""
    publish_home(services, str(payload["user_id"]))
