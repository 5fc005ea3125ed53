"""`baton demo`: twelve weeks of a BOT team in a local SQLite file, then its digest and alerts.

No Slack and no settings: the history is seeded (the same every run) and goes in through the
same storage code the app uses: message events through the latency pipeline, escalations and
blockers through their storage functions, NPS rounds through the NPS storage. The team is a
client in New York and a partner in Bogotá. Latency starts rough and improves, escalations spike
in week 5, and one NPS round dips below 50. Six sprints of check-ins tell the same story:
knowledge transfer behind its pace, spend over forecast the last two sprints, velocity that fell
with the failed release and is recovering.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update

from bot.alerts.blocks import build_alert_message, build_alerts_markdown
from bot.alerts.evaluate import firing
from bot.config.checkins import CheckinSettings, Section
from bot.config.digest import DigestSettings
from bot.config.escalations import EscalationSettings
from bot.config.kpi import KpiSettings
from bot.config.latency import LatencySettings, Side
from bot.config.settings import Settings
from bot.core.business_time import BusinessCalendar
from bot.digest.files import write_digest
from bot.digest.flows import keep_snapshot
from bot.digest.review_flows import write_review
from bot.kpi.scorecard import as_json, scorecard
from bot.kpi.scorecard_blocks import scorecard_markdown
from bot.latency.ingest import ingest, new_message
from bot.latency.rules import MessageFacts, read_message_event
from bot.latency.timing import Timing
from bot.runtime.services import Services
from storage import blockers as blocker_store
from storage import checkins as checkin_store
from storage import escalations as escalation_store
from storage import migrate
from storage import nps as nps_store
from storage.db import Database
from storage.models import NpsInvitation
from storage.statuses import PostKind

TEAM = "T0DEMO"
CLIENT_TZ = ZoneInfo("America/New_York")
PARTNER_TZ = ZoneInfo("America/Bogota")
FIRST_MONDAY = date(2026, 8, 31)
WEEKS = 12
# The Monday after the twelfth week, when the digest goes out.
NOW = datetime.combine(FIRST_MONDAY + timedelta(weeks=WEEKS), time(9, 30), CLIENT_TZ).astimezone(
    UTC
)
SEED = 2026

CLIENT = ("UCLARA", "UMARCUS", "UPRIYA", "UJONAS", "UEMMA", "UDEREK")
PARTNER = (
    "UVALENTINA",
    "USANTIAGO",
    "UCAMILA",
    "UMATEO",
    "ULUCIA",
    "UANDRES",
    "UISABELA",
    "UDIEGO",
    "UCATALINA",
    "USEBASTIAN",
)
CHANNELS = ("CPAYMENTS", "CPLATFORM", "CMOBILE", "CGENERAL")
DIGEST_CHANNEL = "CLEADS"

# Median business hours a question waits, week by week: a rough start, then the team settles.
LATENCY_HOURS = (6.5, 5.0, 3.8, 2.4, 2.0, 1.6, 1.4, 1.2, 1.1, 1.0, 0.9, 0.9)
# Escalations opened per week: steady, a spike in week 5 (a failed release), back to normal.
ESCALATIONS_PER_WEEK = (3, 2, 4, 3, 11, 5, 3, 2, 3, 2, 2, 3)
BLOCKERS_PER_WEEK = (6, 7, 5, 6, 9, 6, 5, 5, 4, 5, 4, 5)
# NPS rounds every two weeks: (week index, answers, promoters, detractors) of 16 people.
# The round after the week-5 spike dips below 50: round(100 × (8 − 2) ÷ 14) = 43.
NPS_ROUNDS = ((1, 13, 8, 1), (3, 12, 8, 1), (5, 14, 8, 2), (7, 13, 9, 1), (9, 14, 10, 1),
              (11, 13, 10, 0))  # fmt: skip

ESCALATION_TITLES = (
    "Card payments failing for EU customers",
    "Staging environment down since the last deploy",
    "Release 4.2 blocked by failing migration",
    "Mobile login loop on Android 14",
    "Nightly data export missing rows",
    "Production alerts not reaching on-call",
    "Checkout latency above 3 s",
    "Access to the client's VPN revoked",
    "Partner team lacks prod read access for incident",
    "Feature flag service returning stale values",
    "Duplicate refunds issued",
    "Search index rebuild stuck",
)
BLOCKER_TEXTS = (
    "Waiting on API keys for the sandbox",
    "Need a decision on the data retention policy",
    "Design for the onboarding screens not final",
    "Blocked on security review of the new endpoint",
    "Test devices for iOS 18 not shipped yet",
    "Need DBA approval for the index change",
    "Waiting for the client's SSO metadata",
    "Requirements unclear for the refunds report",
    "CI runners out of capacity",
    "Waiting on vendor to whitelist our IPs",
)
# The client takes the team over on this day.
TRANSFER_DATE = date(2027, 5, 3)
SPRINT_DAYS = 14
# A check-in per sprint (sprint 1 first), as the leads entered them. Sprint 3 holds the failed
# release of week 5: velocity drops, then recovers. Spend runs over forecast in sprints 5 and 6.
CHECKINS: dict[str, tuple[float, ...]] = {
    "points_planned": (32, 32, 30, 30, 31, 32),
    "points_delivered": (30, 27, 21, 25, 29, 33),
    "milestones_due": (1, 2, 1, 2, 1, 2),
    "milestones_on_schedule": (1, 2, 0, 1, 1, 2),
    "kt_items_total": (60, 64, 68, 70, 72, 72),
    "kt_items_validated": (18, 22, 25, 28, 30, 32),
    "spend": (41_000, 43_500, 44_000, 45_000, 48_500, 49_800),
    "forecast": (42_000, 44_000, 45_000, 45_000, 46_000, 46_000),
    "budget_consumed_pct": (8, 16, 24, 33, 42, 52),
    "milestones_completed_pct": (8, 15, 21, 27, 33, 38),
    "tickets_resolved": (40, 45, 52, 48, 44, 42),
    "tickets_first_time_fixed": (33, 37, 38, 40, 38, 37),
    "headcount": (16, 16, 16, 16, 16, 16),
    "key_roles": (8, 8, 8, 8, 8, 8),
    "leavers": (0, 0, 1, 0, 0, 0),
    "key_role_leavers": (0, 0, 0, 0, 0, 0),
    "deployments": (3, 4, 2, 5, 6, 7),
    "failed_changes": (0, 1, 1, 1, 0, 1),
    "lead_time_hours": (70, 64, 90, 60, 52, 48),
    "restore_hours": (6, 4, 20, 5, 3, 4),
}

QUESTIONS = (
    "<@{to}> can you look at the failing build on main?",
    "<@{to}> is the payments migration safe to run today?",
    "<@{to}> do we have a date for the API freeze?",
    "<@{to}> could you review my PR when you get a chance?",
    "Does anyone know who owns the staging database?",
    "Is the release train still leaving on Thursday?",
    "<@{to}> what is the expected volume for the new endpoint?",
    "<@{to}> can we pair on the flaky test this afternoon?",
)


def demo_settings(database_url: str) -> Settings:
    """Settings for the demo team; nothing is read from the environment."""
    client = BusinessCalendar(CLIENT_TZ, country="US")
    partner = BusinessCalendar(PARTNER_TZ, start=time(8), end=time(17), country="CO")
    return Settings(
        slack_bot_token="",
        slack_signing_secret="",
        database_url=database_url,
        # Never called: the demo talks to no Slack.
        slack_api_url="http://127.0.0.1:9/api/",
        calendar=client,
        escalations=EscalationSettings(owner="UCLARA"),
        latency=LatencySettings(
            sides=(Side("client", "S0CLIENT", client), Side("partner", "S0PARTNER", partner))
        ),
        digest=DigestSettings(channels=(DIGEST_CHANNEL,)),
        kpi=KpiSettings(operate_start=FIRST_MONDAY, sprint_days=SPRINT_DAYS),
        checkins=CheckinSettings(
            leads={"UCAMILA": frozenset(Section), "UCLARA": frozenset({Section.FINANCE})},
            transfer_date=TRANSFER_DATE,
        ),
    )


@dataclass(frozen=True)
class DemoResult:
    """Where the demo wrote its files."""

    database: Path
    files: list[Path]
    alerts: int


def run_demo(out: Path) -> DemoResult:
    """Build the demo database in `out`, then write the digest and the alerts next to it."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "baton-demo.db"
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    settings = demo_settings(f"sqlite:///{path}")
    db = Database(settings.database_url)
    try:
        migrate.upgrade(db.engine)
        services = Services(defaults=settings, db=db)
        services.now = lambda: NOW
        services.team_id = TEAM
        seed_history(services, random.Random(SEED))
        _seed_readiness(services)
        files = write_digest(services, FIRST_MONDAY + timedelta(weeks=WEEKS - 1), out)
        findings = firing(services, NOW)
        card = scorecard(services, NOW)
        scorecard_json = out / "scorecard.json"
        scorecard_json.write_text(json.dumps(as_json(card), indent=2) + "\n", encoding="utf-8")
        scorecard_md = out / "scorecard.md"
        scorecard_md.write_text(scorecard_markdown(card), encoding="utf-8")
        review_files = write_review(services, out)
        alerts_json = out / "alerts.json"
        alerts_json.write_text(
            json.dumps(
                [build_alert_message(f, step="breach", since=NOW) for f in findings],
                indent=2,
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )
        alerts_md = out / "alerts.md"
        alerts_md.write_text(
            build_alerts_markdown(findings, now=NOW, tz=CLIENT_TZ), encoding="utf-8"
        )
        services.background.shutdown()
    finally:
        db.dispose()
    written = [*files, alerts_json, alerts_md, scorecard_json, scorecard_md, *review_files]
    return DemoResult(path, written, len(findings))


def seed_history(
    services: Services, rng: random.Random, *, questions_per_day: tuple[int, int] = (22, 30)
) -> None:
    """Twelve weeks of conversations, escalations, blockers, NPS rounds and check-ins."""
    _seed_messages(services, rng, questions_per_day)
    _seed_escalations(services, rng)
    _seed_blockers(services, rng)
    _seed_nps(services, rng)
    _seed_checkins(services)


def _working_moment(rng: random.Random, day: date, calendar: BusinessCalendar) -> datetime:
    start = datetime.combine(day, calendar.start, calendar.tz)
    hours = (calendar.workday_seconds / 3600) * rng.random() ** 1.2
    return (start + timedelta(hours=hours)).astimezone(UTC)


def _ts(moment: datetime, serial: int) -> str:
    # A unique Slack ts: the second, then a serial in the microseconds.
    return f"{int(moment.timestamp())}.{serial % 1_000_000:06d}"


def _seed_messages(
    services: Services, rng: random.Random, questions_per_day: tuple[int, int]
) -> None:
    settings = services.settings
    timing = Timing.from_settings(settings)
    members = {user: "client" for user in CLIENT} | {user: "partner" for user in PARTNER}
    calendars = {side.name: side.calendar for side in settings.latency.sides}
    sides = tuple(side.name for side in settings.latency.sides)
    events: list[tuple[datetime, dict[str, Any]]] = []
    serial = 0
    for week in range(WEEKS):
        median = LATENCY_HOURS[week]
        for weekday in range(5):
            day = FIRST_MONDAY + timedelta(weeks=week, days=weekday)
            for _ in range(rng.randint(*questions_per_day)):
                serial += 1
                asker_side = "client" if rng.random() < 0.6 else "partner"
                asker = rng.choice(CLIENT if asker_side == "client" else PARTNER)
                answer_side = "partner" if asker_side == "client" else "client"
                answerer = rng.choice(PARTNER if answer_side == "partner" else CLIENT)
                channel = rng.choice(CHANNELS)
                calendar = calendars[asker_side]
                if not calendar.is_working_day(day):
                    continue
                posted = _working_moment(rng, day, calendar)
                template = rng.choice(QUESTIONS)
                ts = _ts(posted, serial)
                question = {
                    "type": "message",
                    "channel": channel,
                    "user": asker,
                    "text": template.format(to=answerer),
                    "ts": ts,
                }
                events.append((posted, question))
                if rng.random() < 0.05:
                    continue  # never answered
                wait = rng.lognormvariate(math.log(median * 3600), 0.8)
                answered = calendars[answer_side].add_business_seconds(posted, wait)
                serial += 1
                reply = {
                    "type": "message",
                    "channel": channel,
                    "user": answerer,
                    "text": "On it, will get back to you.",
                    "ts": _ts(answered, serial),
                }
                if "{to}" not in template:
                    reply["thread_ts"] = ts
                events.append((answered, reply))
    events = [item for item in events if item[0] < NOW]
    events.sort(key=lambda item: (item[0], item[1]["ts"]))
    by_day: dict[date, list[dict[str, Any]]] = {}
    for moment, event in events:
        by_day.setdefault(moment.date(), []).append(event)
    for day_events in by_day.values():
        with services.db.unit_of_work() as session:
            for event in day_events:
                facts = read_message_event(event, TEAM)
                assert isinstance(facts, MessageFacts)
                new = new_message(facts, facts.mentions, members, sides, timing)
                ingest(session, new, members, timing)


def _seed_escalations(services: Services, rng: random.Random) -> None:
    calendar = services.settings.calendar
    with services.db.unit_of_work() as session:
        for week, count in enumerate(ESCALATIONS_PER_WEEK):
            for _ in range(count):
                day = FIRST_MONDAY + timedelta(weeks=week, days=rng.randint(0, 4))
                created = _working_moment(rng, day, calendar)
                severity = rng.choices((1, 2, 3, 4), weights=(1, 3, 5, 2))[0]
                reporter = rng.choice(PARTNER + CLIENT)
                owner = "UCLARA" if severity <= 2 else rng.choice(CLIENT)
                number = escalation_store.create_escalation(
                    session,
                    team_id=TEAM,
                    title=rng.choice(ESCALATION_TITLES),
                    severity=severity,
                    reporter_id=reporter,
                    owner_id=owner,
                    source_channel_id=rng.choice(CHANNELS),
                    now=created,
                )
                ack = created + timedelta(minutes=rng.lognormvariate(math.log(25 * severity), 0.7))
                resolved = ack + timedelta(hours=rng.lognormvariate(math.log(10 * severity), 0.9))
                if ack < NOW and rng.random() < 0.95:
                    escalation_store.acknowledge(session, number, user_id=owner, now=ack)
                    if resolved < NOW:
                        escalation_store.resolve(
                            session,
                            number,
                            user_id=owner,
                            note=None,
                            now=resolved,
                        )
        # Monday morning: a sev2 nobody has picked up yet.
        escalation_store.create_escalation(
            session,
            team_id=TEAM,
            title="Payment webhooks timing out",
            severity=2,
            reporter_id="UMATEO",
            owner_id="UMARCUS",
            source_channel_id="CPAYMENTS",
            now=NOW - timedelta(minutes=50),
        )


def _seed_blockers(services: Services, rng: random.Random) -> None:
    settings = services.settings
    partner = settings.latency.sides[1].calendar
    with services.db.unit_of_work() as session:
        for week, count in enumerate(BLOCKERS_PER_WEEK):
            for _ in range(count):
                day = FIRST_MONDAY + timedelta(weeks=week, days=rng.randint(0, 4))
                created = _working_moment(rng, day, partner)
                waits_on = rng.choice(CLIENT)
                row = blocker_store.create_blocker(
                    session,
                    team_id=TEAM,
                    text=rng.choice(BLOCKER_TEXTS),
                    reporter_id=rng.choice(PARTNER),
                    source_channel_id=rng.choice(CHANNELS),
                    now=created,
                    waits_on_users=[waits_on],
                )
                # Blockers take longer while the team is new; a few drag on.
                days = rng.lognormvariate(math.log(1.6 if week < 4 else 1.0), 0.7)
                resolved = settings.calendar.add_business_seconds(
                    created, days * settings.calendar.workday_seconds
                )
                if resolved < NOW and rng.random() < 0.97:
                    blocker_store.resolve(
                        session, row.id, user_id=waits_on, note=None, now=resolved
                    )


def _seed_nps(services: Services, rng: random.Random) -> None:
    people = CLIENT + PARTNER
    with services.db.unit_of_work() as session:
        for week, answers, promoters, detractors in NPS_ROUNDS:
            started = datetime.combine(
                FIRST_MONDAY + timedelta(weeks=week), time(10), CLIENT_TZ
            ).astimezone(UTC)
            ends = started + timedelta(days=5)
            round_id = nps_store.create_round(
                session,
                team_id=TEAM,
                audience="CGENERAL",
                question="How likely are you to recommend working with this team to a colleague?",
                min_responses=5,
                started_at=started,
                ends_at=ends,
                started_by=None,
                period=f"demo-{week}",
            )
            assert round_id is not None
            nps_store.add_invitations(session, round_id, people)
            session.execute(
                update(NpsInvitation)
                .where(NpsInvitation.round_id == round_id)
                .values(status="sent", sent_at=started)
            )
            invitations = list(
                session.execute(
                    NpsInvitation.__table__.select().where(NpsInvitation.round_id == round_id)
                )
            )
            scores = (
                [rng.choice((9, 10)) for _ in range(promoters)]
                + [rng.randint(2, 6) for _ in range(detractors)]
                + [rng.choice((7, 8)) for _ in range(answers - promoters - detractors)]
            )
            for invitation, score in zip(rng.sample(invitations, answers), scores, strict=True):
                day = (started + timedelta(days=rng.randint(0, 4))).astimezone(CLIENT_TZ).date()
                nps_store.record_answer(
                    session, invitation.id, user_id=invitation.user_id, score=score, day=day
                )
            if ends <= NOW:
                nps_store.close_round(session, round_id, now=ends, closed_by=None)


def _seed_checkins(services: Services) -> None:
    with services.db.unit_of_work() as session:
        for index in range(len(CHECKINS["spend"])):
            start = FIRST_MONDAY + timedelta(days=index * SPRINT_DAYS)
            end = start + timedelta(days=SPRINT_DAYS)
            entered = datetime.combine(end + timedelta(days=1), time(11), PARTNER_TZ)
            checkin_store.save(
                session,
                team_id=TEAM,
                sprint=index + 1,
                sprint_start=start,
                sprint_end=end,
                values={name: values[index] for name, values in CHECKINS.items()},
                by="UCAMILA",
                now=entered.astimezone(UTC),
            )


def _seed_readiness(services: Services) -> None:
    """The scorecard each Monday's digest showed before today's (and, on the first Monday of a
    month, the review), for the readiness chart and what changed since the last review."""
    for week in range(2, WEEKS):
        day = FIRST_MONDAY + timedelta(weeks=week)
        card = scorecard(services, datetime.combine(day, time(9), CLIENT_TZ).astimezone(UTC))
        keep_snapshot(services, PostKind.DIGEST, card)
        if day.day <= 7:
            keep_snapshot(services, PostKind.REVIEW, card)
