"""How many message events Baton takes in per second, next to a bare Bolt app, in one run.

Both apps run behind gunicorn (sync workers, --preload; Baton with its own gunicorn config, as
the Procfile runs it) on 127.0.0.1 and get the same stream of signed Events API deliveries from
N client threads for S seconds: top-level questions, thread replies, mentions, plain messages,
bot messages, edits, a few deletions, and 5% repeats (Slack's retries, under the same event id
or the same message under a new one). The bare app only acknowledges; Baton times every
conversation, with two sides set (SQLite in WAL mode, then PostgreSQL). Each request's time is
measured from connecting to reading the whole answer; memory is the peak RSS of the server's
process tree (master, workers, and Baton's outbox drainer) and of its largest process. Then
Baton alone takes --memory-events events on SQLite while that memory is sampled.

    python benchmarks/ingest.py [--seconds 20] [--clients 8] [--workers 2]
                                [--databases sqlite,postgresql] [--memory-events 200000]
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import (  # noqa: E402
    SECRET,
    TOKEN,
    Result,
    children,
    drive,
    drop_database,
    fresh_database,
    gunicorn,
    signed,
    start_fake_slack,
)

TEAM = "T0BATON"
WARM_UP_SECONDS = 1.0
TARGET_RATIO = 0.5
DATABASE_NAME = "baton_bench"
SLACK_EVENTS_PER_HOUR = 30_000  # per workspace, before Slack answers app_rate_limited

PEOPLE = [f"UP{number:03d}" for number in range(40)]
CLIENT_SIDE, PARTNER_SIDE = PEOPLE[:15], PEOPLE[15:]
BOT_USER = "UBOTUSER"

# Runs in its own process, so that its work never competes with the clients for the GIL.
FAKE_SLACK = f"""
import json, sys
from tests.support.fake_slack import FakeSlack
fake = FakeSlack().start()
for user in {PEOPLE!r}:
    fake.add_user(user)
fake.add_user({BOT_USER!r}, is_bot=True)
fake.add_usergroup("S0CLIENT", "acme-eng", {CLIENT_SIDE!r})
fake.add_usergroup("S0PARTNER", "latam-team", {PARTNER_SIDE!r})
print(fake.url, flush=True)
sys.stdin.read()
counts = {{}}
for call in list(fake.calls):
    counts[call.method] = counts.get(call.method, 0) + 1
print(json.dumps(counts), flush=True)
"""

WORDS = [
    "deploy",
    "staging",
    "build",
    "pipeline",
    "review",
    "PR",
    "ticket",
    "release",
    "hotfix",
    "database",
    "migration",
    "queue",
    "latency",
    "dashboard",
    "alert",
    "customer",
    "invoice",
    "payments",
    "API",
    "timeout",
    "rollback",
    "config",
    "vpn",
    "access",
    "sprint",
    "demo",
    "estimate",
    "blocker",
    "handover",
    "docs",
    "runbook",
    "on-call",
    "incident",
]


# -- the stream of events ------------------------------------------------------------------


class Stream:
    """One client's conversations in its own channels, as Slack would deliver them."""

    def __init__(self, number: int, seed: int) -> None:
        self.rng = random.Random(seed * 1000 + number)
        self.channels = [f"CB{number:02d}{index:02d}" for index in range(4)]
        self.top: dict[str, collections.deque[tuple[str, str]]] = {
            channel: collections.deque(maxlen=30) for channel in self.channels
        }
        self.sent: collections.deque[tuple[str, str, dict[str, Any]]] = collections.deque(
            maxlen=200
        )
        self.number = number
        self.serial = itertools.count(1)

    def _ts(self) -> str:
        return f"{int(time.time())}.{next(self.serial) % 1_000_000:06d}"

    def _text(self, words: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(words))

    def _envelope(self, event: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        event_id = f"Ev{self.number:02d}{next(self.serial):09d}"
        body = {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "api_app_id": "A0BATON",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": "UBATON", "is_bot": True}],
        }
        return event_id, body

    def next(self) -> tuple[str, dict[str, str]]:
        """The next delivery: its JSON body and extra headers."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.05 and self.sent:
            event_id, kind, body = rng.choice(self.sent)
            if rng.random() < 0.5:  # Slack's retry of a delivery it thinks was lost
                return json.dumps(body), {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": kind}
            _, again = self._envelope(body["event"])  # the same message, another event id
            return json.dumps(again), {}
        channel = rng.choice(self.channels)
        ts = self._ts()
        user = rng.choice(PEOPLE)
        event: dict[str, Any] = {
            "type": "message", "channel": channel, "channel_type": "channel", "user": user,
            "ts": ts, "event_ts": ts, "team": TEAM,
        }  # fmt: skip
        roll = rng.random()
        if roll < 0.05 and self.top[channel]:  # an edit
            old_ts, author = rng.choice(self.top[channel])
            event = {
                "type": "message", "subtype": "message_changed", "hidden": True,
                "channel": channel, "channel_type": "channel", "ts": ts, "event_ts": ts,
                "message": {"type": "message", "user": author, "ts": old_ts,
                            "text": self._text(8) + "?", "edited": {"user": author, "ts": ts}},
                "previous_message": {"type": "message", "user": author, "ts": old_ts,
                                     "text": self._text(8)},
            }  # fmt: skip
        elif roll < 0.09:  # an integration's message
            event.pop("user")
            event.update(subtype="bot_message", bot_id="B0CI", text="Build #812 passed")
        elif roll < 0.10:  # a bot user posting without bot_id
            event.update(user=BOT_USER, text="Reminder: standup in 5 minutes")
        elif roll < 0.11 and self.top[channel]:  # a deletion
            old_ts, author = self.top[channel].popleft()
            event = {
                "type": "message", "subtype": "message_deleted", "hidden": True,
                "channel": channel, "channel_type": "channel", "ts": ts, "event_ts": ts,
                "deleted_ts": old_ts, "previous_message": {"user": author, "ts": old_ts},
            }  # fmt: skip
        elif roll < 0.29:  # a question to the channel
            event["text"] = f"{self._text(rng.randint(4, 14))}?"
            self.top[channel].append((ts, user))
        elif roll < 0.43:  # a mention of one or two people, in the channel or a thread
            named = rng.sample(PEOPLE, rng.choice((1, 1, 2)))
            event["text"] = " ".join(f"<@{u}>" for u in named) + " " + self._text(8)
            if self.top[channel] and rng.random() < 0.4:
                event["thread_ts"] = rng.choice(self.top[channel])[0]
            else:
                self.top[channel].append((ts, user))
        elif roll < 0.80 and self.top[channel]:  # a reply in a thread
            event["thread_ts"] = rng.choice(self.top[channel])[0]
            event["text"] = self._text(rng.randint(2, 20))
            if rng.random() < 0.05:
                event["subtype"] = "thread_broadcast"
        else:  # a plain message
            event["text"] = self._text(rng.randint(3, 25))
            self.top[channel].append((ts, user))
        event_id, body = self._envelope(event)
        self.sent.append((event_id, "http_timeout", body))
        return json.dumps(body), {}


# -- memory of a gunicorn tree ---------------------------------------------------------------


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Memory:
    """RSS of gunicorn's master and workers, sampled while the load runs."""

    master: int
    samples: list[tuple[int, int, int]] = field(default_factory=list)  # (events, total, worst)
    _stop: threading.Event = field(default_factory=threading.Event)

    def sample(self, events: int) -> None:
        workers = [_rss_kb(pid) for pid in children(self.master)]
        total = _rss_kb(self.master) + sum(workers)
        self.samples.append((events, total, max(workers, default=0)))

    def watch(self, count: Callable[[], int], every: float = 0.5) -> threading.Thread:
        def run() -> None:
            while not self._stop.wait(every):
                self.sample(count())

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    @property
    def peak_total_mb(self) -> float:
        return max((total for _, total, _ in self.samples), default=0) / 1024

    @property
    def peak_worker_mb(self) -> float:
        return max((worst for _, _, worst in self.samples), default=0) / 1024


# -- load ------------------------------------------------------------------------------------


@dataclass
class Ingested(Result):
    """What one app did under load, and the memory its server took."""

    memory: Memory


def load(
    name: str,
    port: int,
    memory: Memory,
    *,
    clients: int,
    seconds: float | None = None,
    events: int | None = None,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Ingested:
    """`clients` threads send deliveries back to back, for `seconds` or until `events` are sent."""
    lock = threading.Lock()
    sent = 0

    def requests(number: int) -> Iterator[tuple[str, dict[str, str]]]:
        nonlocal sent
        stream = Stream(number, seed)
        while True:
            with lock:
                if events is not None and sent >= events:
                    return
                sent += 1
                done = sent
            if progress is not None:
                progress(done)
            body, extra = stream.next()
            yield body, signed(body, "application/json") | extra

    warm_up = WARM_UP_SECONDS if seconds is not None else 0.0
    timed = drive(name, port, clients, requests, warm_up=warm_up, seconds=seconds)
    return Ingested(**vars(timed), memory=memory)


# Baton runs as the Procfile runs it: gunicorn with Baton's config (its access log, its
# outbox drainer), here on 127.0.0.1 with the benchmark's number of workers.
BATON_CONFIG = "python:bot.gunicorn_config"


def run(
    name: str, target: str, env: dict[str, str], args: argparse.Namespace, **load_args: Any
) -> Ingested:
    config = BATON_CONFIG if target.startswith("bot.") and not args.plain_gunicorn else None
    counter = {"events": 0}

    def progress(done: int) -> None:
        counter["events"] = done

    with gunicorn(target, env, args.workers, config) as (process, port):
        memory = Memory(process.pid)
        watcher = memory.watch(lambda: counter["events"])
        try:
            return load(name, port, memory, clients=args.clients, progress=progress, **load_args)
        finally:
            memory.sample(counter["events"])
            memory.stop()
            watcher.join()


# -- databases -------------------------------------------------------------------------------


def refresh_sides(env: dict[str, str]) -> None:
    """What the clock does hourly: read the two user groups into the database."""
    from datetime import UTC, datetime

    from bot.config.settings import load_settings
    from bot.latency.jobs import refresh_sides as refresh
    from bot.runtime.services import build_services

    services = build_services(load_settings(env))
    try:
        refresh(services, datetime.now(UTC))
    finally:
        services.db.dispose()


def stored(url: str) -> str:
    from sqlalchemy import func, select

    from storage.db import Database
    from storage.models import Message, SlackEvent

    db = Database(url)
    try:
        with db.reading() as session:
            total = session.scalar(select(func.count()).select_from(Message))
            waiting = session.scalar(select(func.count()).where(Message.wait_kind.is_not(None)))
            answered = session.scalar(select(func.count()).where(Message.answered_at.is_not(None)))
            sides = session.scalar(select(func.count()).where(Message.author_side.is_not(None)))
            deliveries = session.scalar(select(func.count()).select_from(SlackEvent))
    finally:
        db.dispose()
    return (
        f"{deliveries} deliveries recorded; {total} messages stored, {waiting} waiting, "
        f"{answered} answered, {sides} with the author's side"
    )


def row(result: Ingested) -> str:
    return (
        f"{result.name:<22}{len(result.latencies):>9}{result.errors:>7}{result.throughput:>9.0f}"
        f"{result.percentile(0.50):>8.2f}{result.percentile(0.99):>8.2f}"
        f"{result.memory.peak_total_mb:>10.0f}{result.memory.peak_worker_mb:>10.0f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per app")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per app")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite, postgresql")
    parser.add_argument(
        "--memory-events", type=int, default=200_000, help="events for the memory run (0: none)"
    )
    parser.add_argument(
        "--plain-gunicorn",
        action="store_true",
        help="serve Baton without bot.gunicorn_config (no access log, no outbox drainer)",
    )
    args = parser.parse_args()

    fake, api_url = start_fake_slack(FAKE_SLACK)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BATON_", "SLACK_"))}
    base |= {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "WEB_CONCURRENCY": str(args.workers),
        "BATON_TIMEZONE": "America/New_York",
        "BATON_SIDES": "client=@acme-eng,partner=@latam-team",
        "BATON_SIDE_PARTNER_TIMEZONE": "America/Bogota",
        "BATON_SIDE_PARTNER_HOLIDAYS": "CO",
    }
    print(
        f"message events over HTTP on 127.0.0.1: {args.clients} clients, {args.seconds:g} s per "
        f"app (after {WARM_UP_SECONDS:g} s warm-up), gunicorn {args.workers} sync workers, "
        f"{os.cpu_count()} CPUs; Baton served "
        + ("without its gunicorn config" if args.plain_gunicorn else f"with {BATON_CONFIG}")
    )
    header = (
        f"{'app':<22}{'events':>9}{'errors':>7}{'ev/s':>9}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'peak MB':>10}{'max proc':>10}"
    )
    slack_calls: dict[str, int] = {}
    rates: list[float] = []
    try:
        with tempfile.TemporaryDirectory(prefix="baton-ingest-") as tmp:
            for kind in [k.strip() for k in args.databases.split(",") if k.strip()]:
                url = fresh_database(kind, tmp, DATABASE_NAME)
                env = base | {"DATABASE_URL": url}
                try:
                    refresh_sides(env)
                    bare = run("bare Bolt (acks only)", "benchmarks.bare_app:wsgi()", env,
                               args, seconds=args.seconds)  # fmt: skip
                    baton = run(f"Baton on {kind}", "bot.server:wsgi()", env, args,
                                seconds=args.seconds)  # fmt: skip
                    summary = stored(url)
                finally:
                    drop_database(kind, DATABASE_NAME)
                print()
                print(header)
                print(row(bare))
                print(row(baton))
                for result in (bare, baton):
                    if result.first_error:
                        print(f"{result.name}: first error: {result.first_error}")
                ratio = baton.throughput / bare.throughput if bare.throughput else 0.0
                rates.append(baton.throughput)
                print(summary)
                holds = ratio >= TARGET_RATIO and not baton.errors
                print(
                    f"Baton / bare throughput on {kind}: {ratio:.2f}x; target ≥ {TARGET_RATIO}x "
                    f"with no errors: {'holds' if holds else 'does NOT hold'}"
                )

            if args.memory_events:
                url = fresh_database("sqlite", tmp, DATABASE_NAME)
                env = base | {"DATABASE_URL": url}
                refresh_sides(env)
                result = run("Baton on sqlite", "bot.server:wsgi()", env, args,
                             events=args.memory_events, seed=2)  # fmt: skip
                print()
                print(
                    f"memory over {args.memory_events} events (Baton on SQLite, "
                    f"{result.throughput:.0f} ev/s, {result.errors} errors): RSS of master + "
                    f"workers, MB"
                )
                samples = result.memory.samples
                step = max(1, args.memory_events // 10)
                shown, mark = [], 0
                for events, total, worst in samples:
                    if events >= mark:
                        shown.append(
                            f"{events:>7}: {total / 1024:6.0f} (worker {worst / 1024:.0f})"
                        )
                        mark = events - events % step + step
                print("\n".join(shown))
                later = [total for events, total, _ in samples if events >= args.memory_events // 4]
                if later:
                    growth = (max(later) - later[0]) / 1024
                    print(
                        f"growth from {args.memory_events // 4} events to the end: {growth:+.1f} MB"
                    )
    finally:
        fake.stdin.close()
        slack_calls = json.loads(fake.stdout.readline() or "{}")
        fake.wait(timeout=10)
    print()
    print(f"fake Slack saw: {json.dumps(slack_calls)}")
    if rates:
        slowest = min(rates)
        per_hour = slowest * 3600
        print(
            f"at the slowest measured rate ({slowest:.0f} ev/s) one process takes "
            f"{per_hour:,.0f} events an hour: {per_hour / SLACK_EVENTS_PER_HOUR:.0f} workspaces "
            f"at Slack's cap of {SLACK_EVENTS_PER_HOUR:,} events an hour each"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
