"""The clock's latency jobs: the sides' user groups hourly, the user groups messages mention
(those not read yet at every tick, all of them hourly), the planner's statistics daily."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError

from bot.latency.pending import read_groups, settle_pending
from bot.latency.sides import SideGroupNotFound, read_members, store_members
from bot.runtime.scheduler import Work, run_once
from bot.runtime.services import Services
from bot.runtime.sides import read_sides_again
from bot.runtime.slack_client import error_code, is_permanent
from storage import usergroups
from storage.latency import refresh_statistics as refresh_statistics_of

log = logging.getLogger(__name__)

SIDES_JOB = "latency_sides"
GROUPS_JOB = "latency_groups"
STATISTICS_JOB = "latency_statistics"
# The groups read again every hour: those mentioned this long ago or since.
GROUPS_MENTIONED_WITHIN = timedelta(days=90)


def refresh_sides(services: Services, now: datetime) -> None:
    """The clock's job: read the sides' user groups once an hour (once, however many clocks)."""
    sides = services.settings.latency.sides
    if not sides:
        return

    def do() -> None:
        try:
            members = read_members(services.client, sides)
        except SideGroupNotFound as problem:
            log.error("%s; side membership not refreshed", problem)
            return
        except SlackApiError as error:
            if not is_permanent(error):
                raise  # the claim is given back: the next tick tries again
            # missing_scope and the like will not mend in a minute: try again next hour.
            log.error(
                "user groups not readable (%s): add the usergroups:read scope and reinstall",
                error_code(error),
            )
            return
        store_members(services, members, now)
        read_sides_again(services)
        log.info(
            "sides refreshed: %s",
            ", ".join(f"{side} {len(users)}" for side, users in members.items()),
        )

    run_once(services, Work(SIDES_JOB, "sides", now.strftime("%Y-%m-%dT%H")), do)


def refresh_groups(services: Services, now: datetime) -> None:
    """The clock's job: settle the mentions of groups not read yet, at every tick; once an
    hour, read again every group mentioned in the last 90 days and keep what changed."""
    settled = settle_pending(services, now)
    if settled:
        log.info("%d mentions of user groups read after their message came", settled)

    def do() -> None:
        with services.db.reading() as session:
            known = usergroups.known_groups(session, mentioned_since=now - GROUPS_MENTIONED_WITHIN)
        read_groups(services, {group: team_id for team_id, group in known}, now)

    run_once(services, Work(GROUPS_JOB, "groups", now.strftime("%Y-%m-%dT%H")), do)


def refresh_statistics(services: Services, now: datetime) -> None:
    """The clock's daily job: keep the database's statistics of messages fresh."""

    def do() -> None:
        with services.db.unit_of_work() as session:
            refresh_statistics_of(session)

    run_once(services, Work(STATISTICS_JOB, "messages", now.date().isoformat()), do)
