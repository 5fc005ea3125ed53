"""Message events' p99 while the clock deletes old message timings, beside it without.

A database holds --old messages posted 430 to 800 days ago (a third of them questions, answered
minutes later; one in five with a mention), as a deployment that turns retention on after two
years would. Baton's web process (gunicorn with Baton's config, as the Procfile runs it) takes
message events (ingest.py's stream) at --rate a second, open loop, in alternating phases of
--seconds: with nothing else running, and while a clock process runs the retention job's
deletion (BATON_RETENTION_DAYS=400), --rounds of each. The weeks' figures are kept first, and
timed. Prints each phase's p50 and p99, the median p99 of each kind, their ratio (the target is
at most 1.5), and how fast the deletion went. SQLite with one web process of two workers, then
PostgreSQL.

    python benchmarks/retention.py [--old 200000] [--rate 200] [--seconds 20] [--rounds 3]
                                   [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import (  # noqa: E402
    baton_env,
    drop_database,
    fresh_database,
    gunicorn,
    signed,
    start_fake_slack,
)
from benchmarks.ingest import BATON_CONFIG, FAKE_SLACK, PEOPLE, Stream  # noqa: E402
from benchmarks.load import paced  # noqa: E402

DATABASE_NAME = "baton_retention"
TARGET_RATIO = 1.5
RETENTION_DAYS = 400


class Events:
    """Message events only, from ingest.py's streams, in the shape load.paced sends."""

    def __init__(self, seed: int = 11) -> None:
        self.rng = random.Random(seed)
        self.streams = [Stream(number, seed) for number in range(8)]

    def next(self) -> tuple[str, dict[str, str]]:
        body, extra = self.rng.choice(self.streams).next()
        return body, signed(body, "application/json") | extra


def fill(url: str, count: int) -> None:
    """`count` old messages and their mentions, written straight into the tables."""
    from sqlalchemy import insert

    from storage.db import Database
    from storage.models import Message, MessageMention

    rng = random.Random(3)
    now = datetime.now(UTC)
    db = Database(url)
    started = time.perf_counter()
    try:
        for first in range(0, count, 10_000):
            messages: list[dict[str, Any]] = []
            mentions: list[dict[str, Any]] = []
            for number in range(first, min(first + 10_000, count)):
                posted = now - timedelta(days=800) + timedelta(seconds=number * 370 * 86400 / count)
                channel = f"COLD{number % 12:02d}"
                ts = f"{int(posted.timestamp())}.{number % 1_000_000:06d}"
                row: dict[str, Any] = {
                    "team_id": "T0BATON", "channel_id": channel, "ts": ts, "thread_ts": None,
                    "user_id": rng.choice(PEOPLE), "posted_at": posted, "is_question": False,
                    "wait_kind": None, "deleted": False,
                }  # fmt: skip
                if number % 3 == 0:
                    wait = rng.uniform(60, 4 * 3600)
                    row.update(
                        is_question=True, wait_kind="question", answer_user=rng.choice(PEOPLE),
                        answer_ts=ts, answered_at=posted + timedelta(seconds=wait),
                        wall_seconds=wait, business_seconds=wait,
                        sla_due_at=posted + timedelta(hours=4),
                        unanswered_due_at=posted + timedelta(hours=24),
                    )  # fmt: skip
                if number % 5 == 0:
                    mentions.append(
                        {"team_id": "T0BATON", "channel_id": channel, "message_ts": ts,
                         "user_id": rng.choice(PEOPLE), "posted_at": posted, "answered_at": None}
                    )  # fmt: skip
                messages.append(row)
            with db.unit_of_work() as session:
                session.execute(insert(Message), messages)
                if mentions:
                    session.execute(insert(MessageMention), mentions)
    finally:
        db.dispose()
    print(f"  {count:,} old messages written in {time.perf_counter() - started:.0f} s", flush=True)


def deleter(env: dict[str, str], go: Any, stop: Any, deleted: Any, keep_seconds: Any) -> None:
    """The clock's retention job in a process of its own: keep the weeks, then delete while
    `go` is set, as the clock's ticks do one after another."""
    os.environ.update(env)
    from bot.config.settings import load_settings
    from bot.privacy.retention import (
        delete_before,
        keep_weeks_before,
        oldest_message,
        retention_line,
    )
    from bot.runtime.services import build_services

    services = build_services(load_settings())
    now = datetime.now(UTC)
    line = retention_line(services, now)
    started = time.perf_counter()
    oldest = oldest_message(services)
    assert oldest is not None, "fill() wrote no old messages"
    keep_weeks_before(services, line, now, oldest)
    keep_seconds.value = time.perf_counter() - started
    while not stop.is_set():
        if not go.wait(0.05):
            continue
        count = delete_before(services, line, budget=timedelta(seconds=0.5))
        with deleted.get_lock():
            deleted.value += count
        if count == 0:
            break
    services.db.dispose()


def run(kind: str, args: argparse.Namespace, api_url: str) -> None:
    with tempfile.TemporaryDirectory(prefix="baton-retention-") as tmp:
        url = fresh_database(kind, tmp, DATABASE_NAME)
        try:
            fill(url, args.old)
            env = baton_env(api_url, url, args.workers, BATON_RETENTION_DAYS=str(RETENTION_DAYS))
            context = multiprocessing.get_context("spawn")
            go, stop = context.Event(), context.Event()
            deleted, keep_seconds = context.Value("q", 0), context.Value("d", -1.0)
            clock = context.Process(
                target=deleter, args=(env, go, stop, deleted, keep_seconds), daemon=True
            )
            with gunicorn("bot.server:wsgi()", env, args.workers, BATON_CONFIG) as (_, port):
                clock.start()
                while keep_seconds.value < 0 and clock.is_alive():
                    time.sleep(0.1)
                print(f"  weeks' figures kept in {keep_seconds.value:.1f} s", flush=True)
                events = Events()
                quiet: list[float] = []
                deleting: list[float] = []
                deleting_seconds = 0.0
                deleted_before = 0
                for number in range(args.rounds):
                    for name, phase in (("quiet", quiet), ("deleting", deleting)):
                        if name == "deleting":
                            deleted_before = deleted.value
                            go.set()
                        result = paced(name, [port], events, args.rate, args.seconds)  # type: ignore[arg-type]
                        if name == "deleting":
                            go.clear()
                            time.sleep(0.6)  # the running batch ends within its budget
                            deleting_seconds += args.seconds
                            rate = (deleted.value - deleted_before) / args.seconds
                        phase.append(result.percentile(0.99))
                        print(
                            f"  round {number + 1} {name:<9} p50 {result.percentile(0.5):5.1f} ms"
                            f"  p99 {result.percentile(0.99):5.1f} ms  {result.errors} errors"
                            + (
                                f"  {rate:,.0f} messages deleted a second"
                                if name == "deleting"
                                else ""
                            ),
                            flush=True,
                        )
                stop.set()
                clock.join(timeout=30)
            ratio = statistics.median(deleting) / statistics.median(quiet)
            print(
                f"{kind}: {args.rate:g} message events a second; p99 median of {args.rounds}: "
                f"{statistics.median(quiet):.1f} ms without the deletion, "
                f"{statistics.median(deleting):.1f} ms during it ({ratio:.2f}x; target at most "
                f"{TARGET_RATIO:g}x: {'holds' if ratio <= TARGET_RATIO else 'does NOT hold'}); "
                f"{deleted.value:,} messages deleted in {deleting_seconds:g} s "
                f"({deleted.value / deleting_seconds:,.0f} a second)",
                flush=True,
            )
        finally:
            drop_database(kind, DATABASE_NAME)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=int, default=200_000, help="old messages to delete")
    parser.add_argument("--rate", type=float, default=200.0, help="message events a second")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of each phase")
    parser.add_argument("--rounds", type=int, default=3, help="phases of each kind")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite, postgresql")
    args = parser.parse_args()
    fake, api_url = start_fake_slack(FAKE_SLACK)
    print(
        f"retention's deletion beside message events: {os.cpu_count()} CPUs, gunicorn "
        f"{args.workers} sync workers, {args.old:,} old messages, BATON_RETENTION_DAYS="
        f"{RETENTION_DAYS}",
        flush=True,
    )
    try:
        for kind in args.databases.split(","):
            print(f"{kind}:", flush=True)
            run(kind.strip(), args, api_url)
    finally:
        fake.stdin.close()
        fake.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
