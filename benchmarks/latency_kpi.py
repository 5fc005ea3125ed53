"""How fast `baton kpi latency` answers over 1,000,000 stored messages spread over 90 days.

Seeds a fresh database (SQLite, then PostgreSQL) with bulk Core inserts: messages over the last
90 days in 40 channels by 200 people on two sides, mostly in working hours, about 30% of them
waiting for an answer and 85% of those answered after a long-tailed wait. Then it refreshes the
planner's statistics (what the clock's daily job does) and times, median of 5 after one
warm-up: the answer function behind /kpi (bot.kpi.answers.answer) for 90 and 7 days, and the
real command `baton kpi latency --days N --json` in a new process. The command's own start-up
(imports, settings, the migration check) is timed too, on an empty database.

    python benchmarks/latency_kpi.py [--messages 1000000] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import drop_database, fresh_database  # noqa: E402

BATON = Path(sys.executable).parent / "baton"
DAYS = 90
CHANNELS = 40
PEOPLE = 200
RUNS = 5
TARGETS = {90: 1.0, 7: 0.3}
CHUNK = 50_000
DATABASE_NAME = "baton_kpi_bench"
ENV = {"BATON_SIDES": "client=@acme-eng,partner=@latam-team", "BATON_TIMEZONE": "America/Bogota"}


def _times(rng: np.random.Generator, count: int, now: datetime) -> np.ndarray:
    """Distinct seconds since the epoch, each a microsecond apart at least, all before `now`:
    weekdays five times as busy as weekend days, most of it in 09–18 Bogotá time."""
    first_day = (now - timedelta(days=DAYS)).timestamp() // 86400 * 86400
    found = np.empty(0)
    while found.size < count:
        days = rng.integers(0, DAYS + 1, size=count * 2)
        weekday = ((first_day // 86400 + days + 3) % 7) < 5  # 1970-01-01 was a Thursday
        days = days[weekday | (rng.random(count * 2) < 0.2)]
        hours = np.clip(rng.normal(13.5, 3.0, size=days.size), 0, 23.99) + 5  # UTC−5 → UTC
        seconds = np.round(first_day + days * 86400.0 + hours * 3600 + rng.random(days.size), 6)
        found = np.unique(np.concatenate([found, seconds[seconds < now.timestamp()]]))
    return np.sort(rng.choice(found, size=count, replace=False))


def seed(url: str, messages: int, now: datetime) -> float:
    """Insert `messages` rows with Core inserts; returns the seconds it took."""
    from sqlalchemy import insert

    from storage.db import Database
    from storage.models import Message

    rng = np.random.default_rng(20261123)
    started = time.perf_counter()
    posted = _times(rng, messages, now)
    channel = np.minimum(rng.zipf(1.6, size=messages), CHANNELS) - 1
    author = rng.integers(0, PEOPLE, size=messages)
    kind = rng.choice(3, size=messages, p=[0.70, 0.20, 0.10])  # none, mention, question
    waits = kind > 0
    answered = waits & (rng.random(messages) < 0.85)
    wall = np.round(rng.lognormal(np.log(1200), 1.6, size=messages), 3)
    business = np.round(wall * rng.uniform(0.25, 1.0, size=messages), 3)
    answer_at = posted + wall
    answered &= answer_at < now.timestamp()
    deleted = rng.random(messages) < 0.01
    thread = (~waits) & (rng.random(messages) < 0.5)
    side = np.where(author < PEOPLE * 0.4, "client", "partner")
    other = np.where(side == "client", "partner", "client")
    answer_side = np.where(rng.random(messages) < 0.8, other, side)

    def when(seconds: float) -> datetime:
        return datetime.fromtimestamp(seconds, UTC)

    db = Database(url)
    try:
        with db.engine.begin() as connection:
            for first in range(0, messages, CHUNK):
                rows = []
                for i in range(first, min(first + CHUNK, messages)):
                    ts = f"{posted[i]:.6f}"
                    waiting = bool(waits[i])
                    done = bool(answered[i])
                    rows.append(
                        {
                            "team_id": "T0BATON",
                            "channel_id": f"C{channel[i]:04d}",
                            "ts": ts,
                            "thread_ts": f"{posted[i] - 600:.6f}" if thread[i] else None,
                            "user_id": f"U{author[i]:04d}",
                            "posted_at": when(posted[i]),
                            "is_question": bool(kind[i] == 2),
                            "wait_kind": ("mention", "question")[kind[i] - 1] if waiting else None,
                            "deleted": bool(deleted[i]),
                            "author_side": str(side[i]),
                            "answer_side": str(answer_side[i]) if waiting else None,
                            "answer_ts": f"{answer_at[i]:.6f}" if done else None,
                            "answer_user": f"U{(author[i] + 1) % PEOPLE:04d}" if done else None,
                            "answered_at": when(answer_at[i]) if done else None,
                            "wall_seconds": float(wall[i]) if done else None,
                            "business_seconds": float(business[i]) if done else None,
                            "sla_due_at": when(posted[i] + 4 * 3600) if waiting else None,
                            "unanswered_due_at": when(posted[i] + 3 * 86400) if waiting else None,
                        }
                    )
                connection.execute(insert(Message), rows)
    finally:
        db.dispose()
    return time.perf_counter() - started


def refresh_statistics(url: str) -> None:
    """What the clock's daily latency_statistics job does (and ANALYZE on PostgreSQL)."""
    from sqlalchemy import text

    from storage.db import Database
    from storage.latency import refresh_statistics as refresh

    db = Database(url)
    try:
        with db.unit_of_work() as session:
            refresh(session)
        if db.dialect == "postgresql":
            with db.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                    text("VACUUM ANALYZE messages")
                )
    finally:
        db.dispose()


def time_answer(url: str, now: datetime, days: int) -> tuple[list[float], dict[str, object]]:
    from bot.config.settings import load_settings
    from bot.kpi.answers import answer
    from bot.runtime.services import build_services

    settings = load_settings({"DATABASE_URL": url, **ENV}, require_slack=False)
    services = build_services(settings)
    services.now = lambda: now
    try:
        figures = answer(services, "latency", days=days)  # warm-up: connections, caches
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            figures = answer(services, "latency", days=days)
            times.append(time.perf_counter() - started)
    finally:
        services.db.dispose()
    return times, figures


def time_command(url: str, days: int, tmp: str) -> list[float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BATON_"))}
    env |= {"DATABASE_URL": url, **ENV}
    command = [str(BATON), "kpi", "latency", "--days", str(days), "--json"]
    times = []
    for run in range(RUNS + 1):
        started = time.perf_counter()
        result = subprocess.run(command, env=env, cwd=tmp, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            raise SystemExit(f"baton kpi latency failed: {result.stderr.strip()[-500:]}")
        if run:  # the first run warms the file cache
            times.append(elapsed)
    return times


def ms(times: list[float]) -> str:
    low, high = min(times) * 1000, max(times) * 1000
    return f"{statistics.median(times) * 1000:7.0f} ms (min {low:.0f}, max {high:.0f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()

    now = datetime.now(UTC).replace(microsecond=0)
    print(
        f"baton kpi latency over {args.messages:,} messages in {DAYS} days, {CHANNELS} channels, "
        f"{PEOPLE} people; median of {RUNS} runs; {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory(prefix="baton-kpi-") as tmp:
        empty = fresh_database("sqlite", tmp, DATABASE_NAME)
        startup = time_command(empty, 7, tmp)
        print(f"start-up of the command alone (empty SQLite database): {ms(startup)}")
        for kind in [k.strip() for k in args.databases.split(",") if k.strip()]:
            url = fresh_database(kind, tmp, DATABASE_NAME)
            try:
                seconds = seed(url, args.messages, now)
                refresh_statistics(url)
                print(f"\n{kind}: seeded {args.messages:,} messages in {seconds:.1f} s")
                for days in (90, 7):
                    times, figures = time_answer(url, now, days)
                    target = TARGETS[days]
                    verdict = "holds" if statistics.median(times) < target else "does NOT hold"
                    print(
                        f"  answer function, {days:>2} days: {ms(times)}; target < {target:g} s: "
                        f"{verdict}  ({figures['waiting']:,} waiting, {figures['answered']:,} "
                        f"answered, median {figures['median_seconds']} s, "
                        f"{len(figures['by_channel'])} channels)"
                    )
                for days in (90, 7):
                    took = ms(time_command(url, days, tmp))
                    print(f"  baton kpi latency --days {days:>2} --json: {took}")
            finally:
                drop_database(kind, DATABASE_NAME)
    return 0


if __name__ == "__main__":
    sys.exit(main())
