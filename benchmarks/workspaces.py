"""The clock's Monday when Baton serves many workspaces: N weekly digests with their charts,
the clock's memory over them, the web's ack time while it runs, and two clocks sharing it.

Baton runs as it does with SLACK_CLIENT_ID (each workspace's bot token from its row of
`slack_bots`), on a fresh PostgreSQL schema (or SQLite file) migrated to head, against the fake
Slack of tests/support/fake_slack.py in a subprocess. Every workspace gets a month of history
(2,000 messages, 40 escalations, 40 blockers, one NPS round) written with Core inserts. Then:

1. one workspace's digest: the clock's digest job for one fresh workspace, in a warm process;
2. the Monday: one tick of every job of every installed workspace (a `baton scheduler --once`
   in a process of its own, warm), and the process's RSS after each digest;
3. `/escalate` over HTTP (gunicorn, Baton's config) from several installed workspaces, without
   the clock, then while the Monday runs;
4. two clocks on a second set of N workspaces, started together: the time until every digest
   is posted.

    python benchmarks/workspaces.py [--workspaces 200] [--database postgresql|sqlite]
                                    [--runs 9] [--clients 4] [--rate 20] [--seconds N]
                                    [--workers 2] [--nice N]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import (  # noqa: E402
    Result,
    baton_env,
    drive,
    drop_database,
    engine_on,
    fresh_database,
    gunicorn,
    signed,
    start_fake_slack,
)

TZ = ZoneInfo("America/New_York")
# The Monday: the digest is due at 09:00 in New York (BATON_DIGEST_SCHEDULE's default); the
# clocks tick at 09:30, after a month of history that ends at midnight.
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=TZ).astimezone(UTC)
HISTORY_END = datetime(2026, 11, 23, 0, 0, tzinfo=TZ).astimezone(UTC)
HISTORY_DAYS = 30
MESSAGES = 2_000
ESCALATIONS = 40
BLOCKERS = 40
NPS_INVITED = 60
NPS_ANSWERS = 45
WAITING_SHARE = 0.3
ANSWERED_SHARE = 0.93
CHANNELS_PER_TEAM = 5
USERS = [f"U{n:05d}BENCH" for n in range(NPS_INVITED)]
DIGEST_CHANNEL = "C0LEADS"
CLIENT_ID = "1234567890.1234567890"
CLIENT_SECRET = "bench-client-secret"
WARM_TEAMS = ("TW0001", "TW0002", "TW0003", "TW0004")  # history, never installed
LOAD_TEAMS = 5  # the workspaces /escalate comes from
NAME = "bench_workspaces"

TARGET_MONDAY = 1.3  # × N × one digest
TARGET_RSS_GROWTH = 0.10  # from digest 20 to N
TARGET_ACK = 1.5  # p99 during / without
TARGET_TWO_CLOCKS = 0.6  # × one clock

FAKE_SLACK = """
import sys
from tests.support.fake_slack import FakeSlack
fake = FakeSlack().start()
fake.add_user("UREPORTER")
print(fake.url, fake.response_url("bench"), flush=True)
sys.stdin.read()
"""


# -- the history ----------------------------------------------------------------------------


def _moments(micros: np.ndarray) -> list[datetime]:
    """Microseconds since the epoch as aware UTC datetimes."""
    return [datetime.fromtimestamp(m / 1e6, UTC) for m in micros.tolist()]


def _maybe(values: list[Any], present: np.ndarray) -> list[Any]:
    return [v if ok else None for v, ok in zip(values, present.tolist(), strict=True)]


def _team_rows(team: str, rng: np.random.Generator) -> dict[str, list[dict[str, Any]]]:
    """A month of one workspace's rows, as digest.py writes them: messages waiting for an answer
    (a mention, answered in a thread reply for most), escalations, blockers, one NPS round."""
    end = int(HISTORY_END.timestamp() * 1e6)
    start = end - HISTORY_DAYS * 86_400 * 1_000_000
    channels = [f"C{team[1:]}X{c}" for c in range(CHANNELS_PER_TEAM)]

    # Top-level messages, and a thread reply for each answered one: MESSAGES rows in all.
    top = round(MESSAGES / (1 + WAITING_SHARE * ANSWERED_SHARE))
    posted = np.sort(rng.integers(start, end, top))
    waiting = rng.random(top) < WAITING_SHARE
    wall = rng.lognormal(np.log(1.5 * 3600), 1.0, top)
    answered_us = posted + (wall * 1e6).astype(np.int64)
    answered = waiting & (rng.random(top) < ANSWERED_SHARE) & (answered_us < end)
    replies = np.flatnonzero(answered)[: MESSAGES - top]
    answered[:] = False
    answered[replies] = True
    channel = rng.choice(channels, top).tolist()
    user = rng.choice(USERS, top).tolist()
    answerer = rng.choice(USERS, top).tolist()
    ts = [f"{m // 1_000_000}.{i:06d}" for i, m in enumerate(posted.tolist())]
    reply_ts = [f"{m // 1_000_000}.{top + i:06d}" for i, m in enumerate(answered_us.tolist())]
    posted_at, answered_at = _moments(posted), _moments(answered_us)
    sla = _moments(posted + 6 * 3600 * 1_000_000)
    unanswered = _moments(posted + 2 * 86_400 * 1_000_000)
    messages = [
        {
            "team_id": team,
            "channel_id": channel[i],
            "ts": ts[i],
            "thread_ts": None,
            "user_id": user[i],
            "posted_at": posted_at[i],
            "is_question": bool(waiting[i]),
            "wait_kind": "mention" if waiting[i] else None,
            "deleted": False,
            "answer_ts": reply_ts[i] if answered[i] else None,
            "answer_user": answerer[i] if answered[i] else None,
            "answered_at": answered_at[i] if answered[i] else None,
            "wall_seconds": round(float(wall[i]), 3) if answered[i] else None,
            "business_seconds": round(float(wall[i]) * 0.55, 3) if answered[i] else None,
            "sla_due_at": sla[i] if waiting[i] else None,
            "unanswered_due_at": unanswered[i] if waiting[i] else None,
        }
        for i in range(top)
    ]
    messages += [
        {
            "team_id": team,
            "channel_id": channel[i],
            "ts": reply_ts[i],
            "thread_ts": ts[i],
            "user_id": answerer[i],
            "posted_at": answered_at[i],
            "is_question": False,
            "wait_kind": None,
            "deleted": False,
            "answer_ts": None,
            "answer_user": None,
            "answered_at": None,
            "wall_seconds": None,
            "business_seconds": None,
            "sla_due_at": None,
            "unanswered_due_at": None,
        }
        for i in replies.tolist()
    ]

    def lifecycle(m: int) -> tuple[list[datetime], list[Any], list[Any], np.ndarray, np.ndarray]:
        created = np.sort(rng.integers(start, end, m))
        ack = created + (rng.lognormal(np.log(30 * 60), 1.0, m) * 1e6).astype(np.int64)
        resolved = created + (rng.lognormal(np.log(20 * 3600), 1.0, m) * 1e6).astype(np.int64)
        is_acked = (rng.random(m) < 0.95) & (ack < end)
        is_resolved = (rng.random(m) < 0.97) & (resolved < end) & (resolved > ack)
        return (
            _moments(created),
            _maybe(_moments(ack), is_acked | is_resolved),
            _maybe(_moments(resolved), is_resolved),
            is_acked,
            is_resolved,
        )

    created, acked_at, resolved_at, is_acked, is_resolved = lifecycle(ESCALATIONS)
    status = np.where(is_resolved, "resolved", np.where(is_acked, "acknowledged", "open")).tolist()
    escalations = [
        {
            "team_id": team,
            "title": "Payments API returns 500",
            "severity": int(rng.integers(1, 5)),
            "status": status[i],
            "reporter_id": "UREPORTER",
            "owner_id": "UOWNER",
            "assignee_id": "UOWNER",
            "level": 0,
            "source_channel_id": channels[i % CHANNELS_PER_TEAM],
            "created_at": created[i],
            "acknowledged_at": acked_at[i],
            "resolved_at": resolved_at[i],
        }
        for i in range(ESCALATIONS)
    ]
    created, _, resolved_at, _, is_resolved = lifecycle(BLOCKERS)
    blockers = [
        {
            "team_id": team,
            "text": "Waiting on VPN access",
            "status": "resolved" if is_resolved[i] else "open",
            "reporter_id": "UREPORTER",
            "source_channel_id": channels[i % CHANNELS_PER_TEAM],
            "created_at": created[i],
            "resolved_at": resolved_at[i],
        }
        for i in range(BLOCKERS)
    ]
    started = HISTORY_END - timedelta(days=HISTORY_DAYS - 7) + timedelta(hours=15)
    ends = started + timedelta(days=5)
    round_row = {
        "team_id": team,
        "audience": "CGENERAL",
        "question": "How likely are you to recommend working with this team?",
        "min_responses": 5,
        "started_at": started,
        "ends_at": ends,
        "closed_at": ends,
    }
    scores = rng.choice(11, NPS_ANSWERS, p=[0.01] * 5 + [0.03, 0.07, 0.1, 0.18, 0.3, 0.27])
    answers = [
        {"team_id": team, "score": int(s), "answered_on": started.astimezone(TZ).date()}
        for s in scores.tolist()
    ]
    return {
        "messages": messages,
        "escalations": escalations,
        "blockers": blockers,
        "round": [round_row],
        "answers": answers,
    }


def seed(url: str, teams: list[str], seed: int = 7) -> dict[str, int]:
    """Every team's month of history, in bulk (Core inserts, a few teams a statement)."""
    from sqlalchemy import insert, text

    from storage.models import Blocker, Escalation, Message, NpsAnswer, NpsInvitation, NpsRound

    rng = np.random.default_rng(seed)
    counts = dict.fromkeys(("messages", "escalations", "blockers", "nps_answers"), 0)
    rounds_table = NpsRound.__table__
    with engine_on(url) as engine:
        for first in range(0, len(teams), 20):
            batch = [_team_rows(team, rng) for team in teams[first : first + 20]]
            with engine.begin() as connection:
                for table, key in (
                    (Message.__table__, "messages"),
                    (Escalation.__table__, "escalations"),
                    (Blocker.__table__, "blockers"),
                ):
                    rows = [row for rows in batch for row in rows[key]]
                    connection.execute(insert(table), rows)
                    counts[key] += len(rows)
                made = connection.execute(
                    insert(rounds_table).returning(
                        rounds_table.c.id, rounds_table.c.team_id, sort_by_parameter_order=True
                    ),
                    [rows["round"][0] for rows in batch],
                ).all()
                invitations, answers = [], []
                for (round_id, team), rows in zip(made, batch, strict=True):
                    invitations += [
                        {
                            "team_id": team,
                            "round_id": round_id,
                            "user_id": user,
                            "status": "answered" if n < NPS_ANSWERS else "sent",
                            "attempts": 1,
                            "reminders_sent": 0,
                        }
                        for n, user in enumerate(USERS)
                    ]
                    answers += [
                        {**answer, "id": f"{team}-{n:04d}", "round_id": round_id}
                        for n, answer in enumerate(rows["answers"])
                    ]
                connection.execute(insert(NpsInvitation.__table__), invitations)
                connection.execute(insert(NpsAnswer.__table__), answers)
                counts["nps_answers"] += len(answers)
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
    return counts


def seeding_order(first: list[str], second: list[str], single: list[str]) -> list[str]:
    """The two sets in turns, and the single ones spread evenly among them: where a workspace's
    rows lie in the tables (their ids) is alike for all three, so a query that reads by id
    before it filters by workspace costs them alike."""
    order = [team for pair in zip(first, second, strict=True) for team in pair]
    for number, team in reversed(list(enumerate(single))):
        order.insert(round((number + 0.5) / len(single) * len(order)), team)
    return order


def install(url: str, teams: list[str]) -> None:
    """A `slack_bots` row, with its own token, for each of `teams`."""
    from sqlalchemy import insert

    from storage.installations import BOTS

    installed_at = datetime.now(UTC).replace(tzinfo=None)
    rows = [
        {
            "client_id": CLIENT_ID,
            "app_id": "A0BATON",
            "enterprise_id": None,
            "team_id": team,
            "team_name": f"Workspace {team}",
            "bot_token": f"xoxb-bench-{team}",
            "bot_id": "BBATON",
            "bot_user_id": "UBATON",
            "bot_scopes": "commands,chat:write,im:write,users:read,files:write",
            "is_enterprise_install": False,
            "installed_at": installed_at,
        }
        for team in teams
    ]
    with engine_on(url) as engine, engine.begin() as connection:
        connection.execute(insert(BOTS), rows)


def uninstall(url: str, teams: list[str]) -> None:
    from sqlalchemy import delete

    from storage.installations import BOTS

    with engine_on(url) as engine, engine.begin() as connection:
        connection.execute(delete(BOTS).where(BOTS.c.team_id.in_(teams)))


def completed_digests(url: str, teams: list[str]) -> int:
    from sqlalchemy import func, select

    from storage.models import Digest

    query = select(func.count()).where(
        Digest.team_id.in_(teams), Digest.kind == "digest", Digest.completed_at.is_not(None)
    )
    with engine_on(url) as engine, engine.connect() as connection:
        return int(connection.scalar(query) or 0)


# -- the clock, in a process of its own ------------------------------------------------------


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _busy_jiffies() -> tuple[int, int]:
    """The machine's CPU time so far, busy and in all (in clock ticks, every CPU summed)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and waiting for I/O
    return sum(fields[:8]) - idle, sum(fields[:8])


def _emit(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


def _clock_services() -> Any:
    """The services `baton scheduler` builds, from this process's environment, at the Monday."""
    from bot.config.settings import load_settings
    from bot.runtime.logs import configure_logging
    from bot.runtime.services import build_services

    settings = load_settings()
    configure_logging(settings.log_level)
    services = build_services(settings)
    services.now = lambda: NOW
    return services


def _warm_up(services: Any, team: str) -> None:
    """Build (not post) the digest of a workspace that is not installed, so that the modules
    the first digest loads (pandas, matplotlib, fonts) are in, as in a clock running for weeks."""
    from bot.core.weeks import last_full_week
    from bot.digest.blocks import build_digest_message
    from bot.digest.build import build_charts, build_digest
    from storage.scope import acting_for

    with acting_for(team):
        week = last_full_week(NOW, services.settings.calendar.tz)
        built = build_digest(services, week, now=NOW)
        build_charts(built)
        build_digest_message(built)


def child_single(warm: str, teams: list[str]) -> None:
    """The clock's digest job for each of `teams` alone, one after the other."""
    from bot.digest.jobs import run_digests
    from storage.scope import acting_for

    services = _clock_services()
    _warm_up(services, warm)
    times = []
    for team in teams:
        with acting_for(team):
            began = time.perf_counter()
            run_digests(services, services.now())
            times.append(time.perf_counter() - began)
    services.background.wait_idle()
    _emit({"times": times})


def child_clock(warm: str) -> None:
    """One tick of every job for every installed workspace, then the upkeep, as `baton
    scheduler --once` runs it, once "go" arrives on stdin; a line after each digest posted."""
    import bot.digest.jobs as digest_jobs
    from bot.app import JOBS, UPKEEP
    from bot.runtime.scheduler import Job, run_jobs
    from storage.scope import current_team

    services = _clock_services()
    _warm_up(services, warm)
    # The hour before, as a clock that has run for weeks did it: the alerts' states are in
    # place, so the Monday's tick posts only what changed, as an hourly tick does (a first
    # tick ever would post every workspace's every breaching alert).
    services.now = lambda: NOW - timedelta(hours=1)
    run_jobs(services, {"alerts": JOBS["alerts"]}, {})
    services.background.wait_idle()
    services.now = lambda: NOW
    outcomes: list[str] = []
    post_digest = digest_jobs.post_digest

    def recorded_post(*args: Any, **kwargs: Any) -> Any:
        outcome = post_digest(*args, **kwargs)
        outcomes.append(outcome.status)
        return outcome

    # The job calls the name in its module: this process's calls go through the recorder.
    digest_jobs.post_digest = recorded_post  # type: ignore[attr-defined]

    def digest(services: Any, now: datetime) -> None:
        outcomes.clear()
        began = time.perf_counter()
        try:
            digest_jobs.run_digests(services, now)
        finally:
            seconds = time.perf_counter() - began
            if "posted" in outcomes:
                _emit(
                    {
                        "posted": current_team(),
                        "at": time.time(),
                        "s": seconds,
                        "rss_mb": _rss_mb(),
                    }
                )

    def announced(name: str, job: Job) -> Job:
        def run(services: Any, now: datetime) -> None:
            if name == next(iter(UPKEEP)):
                _emit({"jobs_end": time.time()})
            job(services, now)

        return run

    spent: dict[str, float] = {}

    def timed(name: str, job: Job) -> Job:
        def run(services: Any, now: datetime) -> None:
            began = time.perf_counter()
            try:
                job(services, now)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - began

        return run

    jobs = {name: timed(name, digest if name == "digest" else job) for name, job in JOBS.items()}
    upkeep = {name: timed(name, announced(name, job)) for name, job in UPKEEP.items()}
    _emit({"ready": _rss_mb()})
    sys.stdin.readline()
    began, before = time.time(), os.times()
    run_jobs(services, jobs, upkeep)
    services.background.wait_idle()
    cpu = os.times()
    _emit(
        {
            "began": began,
            "end": time.time(),
            "rss_mb": _rss_mb(),
            "cpu_s": cpu.user + cpu.system - before.user - before.system,
            "jobs_s": spent,
        }
    )


# -- the parent ------------------------------------------------------------------------------


def command_body(team: str, response_url: str, trigger: int) -> str:
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": team,
            "team_domain": team.lower(),
            "channel_id": "CGENERAL",
            "channel_name": "general",
            "user_id": "UREPORTER",
            "user_name": "ureporter",
            "command": "/escalate",
            "text": "sev2 Payments API returns 500 for EU customers",
            "api_app_id": "A0BATON",
            "response_url": response_url,
            "trigger_id": f"{trigger}.0000.bench",
        }
    )


def escalations(
    teams: list[str], response_url: str, clients: int, rate: float, stop: threading.Event
) -> Callable[[int], Iterator[tuple[str, dict[str, str]]]]:
    """Each client's signed /escalate requests, from `teams` in turn, `rate` a second in all,
    until `stop` is set."""
    triggers = itertools.count(1)
    interval = clients / rate

    def requests(number: int) -> Iterator[tuple[str, dict[str, str]]]:
        due = time.perf_counter() + interval * number / clients
        for n in itertools.count(number):
            pause = due - time.perf_counter()
            if pause > 0:
                stop.wait(pause)
            if stop.is_set():
                return
            due += interval
            body = command_body(teams[n % len(teams)], response_url, next(triggers))
            yield body, signed(body, "application/x-www-form-urlencoded")

    return requests


class Clock:
    """A clock process (`child_clock`), its lines read as they come."""

    def __init__(self, env: dict[str, str], warm: str, log: Any, nice: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--child", "clock", "--warm", warm, "--nice", str(nice)],
            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
            text=True,
        )  # fmt: skip
        self.posted: list[dict[str, Any]] = []
        self.jobs_end: float | None = None
        self.end: dict[str, Any] | None = None
        self.ready: float | None = None
        self.closed = False
        self.reader: threading.Thread | None = None

    def wait_ready(self) -> None:
        if self.ready is not None:
            return
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit("a clock process ended before it was ready (see the errors above)")
        self.ready = json.loads(line)["ready"]

    def go(self, finished: Callable[[], None]) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                message = json.loads(line)
                if "posted" in message:
                    self.posted.append(message)
                elif "jobs_end" in message:
                    self.jobs_end = message["jobs_end"]
                    finished()
                elif "end" in message:
                    self.end = message
            self.closed = True
            finished()

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()

    def wait(self) -> None:
        self.process.wait()
        if self.reader is not None:
            self.reader.join()


def monday(
    clocks: list[Clock],
    port: int,
    teams: list[str],
    response_url: str,
    args: argparse.Namespace,
) -> tuple[float, Result, float]:
    """`clocks` started on the same "go", and /escalate from `teams` until every clock has
    done every workspace's jobs: the go moment, what the load saw, and the share of the
    machine's CPU time that was busy meanwhile."""
    for clock in clocks:
        clock.wait_ready()
    stop = threading.Event()
    lock = threading.Lock()

    def finished() -> None:
        with lock:
            if all(c.jobs_end is not None or c.closed for c in clocks):
                stop.set()

    go, (busy, total) = time.time(), _busy_jiffies()
    for clock in clocks:
        clock.go(finished)
    during = drive(
        "during",
        port,
        args.clients,
        escalations(teams, response_url, args.clients, args.rate, stop),
        warm_up=0.0,
        seconds=None,
    )
    for clock in clocks:
        clock.wait()
    busy_after, total_after = _busy_jiffies()
    return go, during, (busy_after - busy) / max(1, total_after - total)


def run_child(env: dict[str, str], arguments: list[str], log: Any) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, *arguments],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"{arguments[:2]} exited with {result.returncode} (see the errors above)")
    answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def report_errors(log: Any) -> None:
    log.seek(0)
    lines = log.read().decode(errors="replace").splitlines()
    bad = [line for line in lines if "ERROR" in line or "Traceback" in line or "failed" in line]
    if bad:
        sys.stderr.write(f"clock errors ({len(bad)} lines), last: {bad[-1][:300]}\n")


def main() -> int:
    from bot.runtime.clock import CLOCK_NICENESS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspaces", type=int, default=200)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--runs", type=int, default=9, help="single digests timed")
    parser.add_argument("--clients", type=int, default=4, help="/escalate client threads")
    parser.add_argument("--rate", type=float, default=20.0, help="/escalate requests a second")
    parser.add_argument(
        "--seconds", type=float, default=None, help="ack without the clock (N x 0.15, 5 to 30)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument(
        "--nice",
        type=int,
        default=CLOCK_NICENESS,
        help="run the clocks at this niceness (default: that of `baton scheduler`)",
    )
    parser.add_argument("--child", choices=("single", "clock"), help=argparse.SUPPRESS)
    parser.add_argument("--warm", help=argparse.SUPPRESS)
    parser.add_argument("--teams", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "single":
        child_single(args.warm, args.teams.split(","))
        return 0
    if args.child == "clock":
        os.nice(args.nice)
        child_clock(args.warm)
        return 0

    wall = time.perf_counter()
    n = args.workspaces
    if args.seconds is None:
        args.seconds = min(30.0, max(5.0, 0.15 * n))
    first = [f"TA{i:04d}" for i in range(n)]  # the Monday of one clock
    second = [f"TB{i:04d}" for i in range(n)]  # the Monday of two clocks
    single = [f"TS{i:04d}" for i in range(args.runs)]
    load_first, load_second = first[:LOAD_TEAMS], second[:LOAD_TEAMS]
    with tempfile.TemporaryDirectory(prefix="baton-bench-") as tmp, tempfile.TemporaryFile() as log:
        url = fresh_database(args.database, tmp, NAME)
        fake, line = start_fake_slack(FAKE_SLACK)
        assert fake.stdin is not None
        api_url, response_url = line.split()
        try:
            started = time.perf_counter()
            counts = seed(url, seeding_order(first, second, single) + list(WARM_TEAMS))
            seeded = time.perf_counter() - started
            print(
                f"{n} workspaces on {args.database} ({2 * n + args.runs + len(WARM_TEAMS)} "
                f"seeded: {counts['messages']:,} messages, {counts['escalations']:,} "
                f"escalations, {counts['blockers']:,} blockers, {counts['nps_answers']:,} NPS "
                f"answers, in {seeded:.0f} s); {os.cpu_count()} CPUs",
                flush=True,
            )
            env = baton_env(
                api_url, url, args.workers,
                SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET=CLIENT_SECRET,
                BATON_TIMEZONE="America/New_York", BATON_HOLIDAYS="US",
                BATON_DIGEST_CHANNELS=DIGEST_CHANNEL, BATON_LOG_LEVEL="WARNING",
                BATON_ESCALATION_OWNER="",
                # A Monday that is not the month's first: no monthly review is due (in a fresh
                # database, the first tick would post the month's missed review everywhere).
                BATON_REVIEW_TIME="off",
            )  # fmt: skip
            del env["SLACK_BOT_TOKEN"]

            # 1. One workspace's digest, alone, for workspaces as fresh as the Monday's.
            install(url, single + first)
            times = run_child(
                env,
                ["--child", "single", "--warm", WARM_TEAMS[0], "--teams", ",".join(single)],
                log,
            )["times"]
            one = statistics.median(times)
            uninstall(url, single)
            # Started now, so that it loads beside gunicorn; it waits for its "go".
            clock = Clock(env, WARM_TEAMS[1], log, args.nice)
            print(
                f"one workspace's digest (the clock's digest job): {one:.2f} s median of "
                f"{len(times)} ({min(times):.2f}-{max(times):.2f})",
                flush=True,
            )

            with gunicorn("bot.server:wsgi()", env, args.workers, "python:bot.gunicorn_config") as (
                _,
                port,
            ):
                # 2 and 3. /escalate without the clock (once it is ready and idle), then the
                # Monday with it.
                clock.wait_ready()
                never = threading.Event()
                without = drive(
                    "without",
                    port,
                    args.clients,
                    escalations(load_first, response_url, args.clients, args.rate, never),
                    warm_up=1.0,
                    seconds=args.seconds,
                )
                go, during, busy_one = monday([clock], port, load_first, response_url, args)
                done_first = completed_digests(url, first)
                print(
                    f"/escalate from {len(load_first)} workspaces, {args.clients} clients at "
                    f"{args.rate:g}/s: without the clock {len(without.latencies)} requests, "
                    f"{without.errors} errors, p50 {without.percentile(0.5):.1f} ms, p99 "
                    f"{without.percentile(0.99):.1f} ms; during the Monday "
                    f"{len(during.latencies)} requests, {during.errors} errors, p50 "
                    f"{during.percentile(0.5):.1f} ms, p99 {during.percentile(0.99):.1f} ms",
                    flush=True,
                )

                # 4. Two clocks on a second set of workspaces, as fresh as the first was.
                uninstall(url, first)
                install(url, second)
                pair = [Clock(env, team, log, args.nice) for team in WARM_TEAMS[2:4]]
                pair_go, pair_during, busy_two = monday(pair, port, load_second, response_url, args)
                done_second = completed_digests(url, second)
        finally:
            fake.stdin.close()
            fake.wait(timeout=10)
            report_errors(log)
        drop_database(args.database, NAME)

    assert clock.end is not None
    tick = clock.end["end"] - go
    last_one = max(p["at"] for p in clock.posted) - go if clock.posted else float("nan")
    upkeep = clock.end["end"] - (clock.jobs_end or clock.end["end"])
    digest_s = [p["s"] for p in clock.posted]
    print(
        f"the Monday, one clock: {done_first}/{n} digests in {tick:.1f} s (last posted at "
        f"{last_one:.1f} s, upkeep {upkeep:.1f} s); digest job median "
        f"{statistics.median(digest_s) if digest_s else float('nan'):.2f} s, "
        f"{len(clock.posted)} posted by the clock, {clock.end['cpu_s']:.0f} s of its CPU; the "
        f"machine's CPUs {busy_one:.0%} busy",
        flush=True,
    )
    spent = sorted(clock.end.get("jobs_s", {}).items(), key=lambda item: -item[1])
    print(
        "the Monday's jobs, summed over the workspaces: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in spent if seconds >= 0.05),
        flush=True,
    )
    rss = [p["rss_mb"] for p in clock.posted]
    start_at = 20 if n >= 40 else max(1, n // 2)
    growth = rss[-1] / rss[start_at - 1] - 1 if len(rss) >= start_at else float("nan")
    marks = sorted({1, start_at, len(rss) // 2, len(rss)} - {0})
    shown = ", ".join(f"{k}: {rss[k - 1]:.0f} MB" for k in marks if k <= len(rss))
    print(f"clock RSS after digest {shown} (ready: {clock.ready:.0f} MB)", flush=True)
    pair_last = max((p["at"] for c in pair for p in c.posted), default=float("nan")) - pair_go
    shares = "/".join(str(len(c.posted)) for c in pair)
    print(
        f"the Monday, two clocks: {done_second}/{n} digests, the last posted at "
        f"{pair_last:.1f} s (posted {shares}, CPU "
        + "/".join(f"{c.end['cpu_s']:.0f}" for c in pair if c.end)
        + f" s; the machine's CPUs {busy_two:.0%} busy); /escalate during it p99 "
        f"{pair_during.percentile(0.99):.1f} ms, {pair_during.errors} errors",
        flush=True,
    )
    limit_monday = TARGET_MONDAY * n * one
    ack_without, ack_during = without.percentile(0.99), during.percentile(0.99)
    checks = [
        (
            f"the Monday {tick:.1f} s <= {TARGET_MONDAY:g} x {n} x {one:.2f} s = "
            f"{limit_monday:.1f} s, every digest posted",
            tick <= limit_monday and done_first == n,
        ),
        (
            f"clock RSS from digest {start_at} to {n}: {growth * 100:+.1f}% < "
            f"{TARGET_RSS_GROWTH * 100:.0f}%",
            abs(growth) < TARGET_RSS_GROWTH,
        ),
        (
            f"ack p99 during the Monday {ack_during:.1f} ms <= {TARGET_ACK:g} x "
            f"{ack_without:.1f} ms without, no errors",
            ack_during <= TARGET_ACK * ack_without and not (without.errors or during.errors),
        ),
        (
            f"two clocks {pair_last:.1f} s <= {TARGET_TWO_CLOCKS:g} x {last_one:.1f} s "
            f"(one clock, last posted), every digest posted",
            pair_last <= TARGET_TWO_CLOCKS * last_one and done_second == n,
        ),
    ]
    for name, ok in checks:
        print(f"  {'ok  ' if ok else 'MISS'} {name}")
    print(f"wall time {time.perf_counter() - wall:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
