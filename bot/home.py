"""The App Home tab, published for one person when they open it."""

from __future__ import annotations

from typing import Any

from bot import blockers as blocker_rules
from bot.blocker_flows import card_of
from bot.blocks.home import build_home_view
from bot.escalation_flows import snapshot
from bot.kpi.answers import answer
from bot.services import Services
from storage import blockers as blocker_store
from storage import escalations as escalation_store


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
    view = build_home_view(escalations=escalations, blockers=blockers, week=week)
    services.client.views_publish(user_id=user_id, view=view)


def publish_task(services: Services, payload: dict[str, Any]) -> None:
    """The outbox task promised when someone opens the Home tab."""
    publish_home(services, str(payload["user_id"]))
