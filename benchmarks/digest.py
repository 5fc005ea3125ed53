"""How long one weekly digest and a `/kpi` answer take over a large history, and whether the
digest's cost follows the week's rows or the history's.

Builds a SQLite database (migrated to head) with 1,000,000 messages over 26 weeks (30% of them
waiting for an answer), 20,000 escalations, 20,000 blockers and 5,000 NPS answers in 13
rounds; then, in a fresh process so its peak memory is its own, times building the digest of
the last full week (queries, KPIs, baselines, the Block Kit message and every chart; nothing
posted) and `/kpi` over 7 days (the answer and its comparisons). Then the same with twice the
history (52 weeks, the same rows per week).

    python benchmarks/digest.py [--weeks 26] [--runs 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TZ = ZoneInfo("America/New_York")
# The digest goes out Monday 2026-11-23 09:30 in New York, after the last week of data.
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=TZ).astimezone(UTC)
MESSAGES_PER_WEEK = 1_000_000 / 26
ESCALATIONS_PER_WEEK = 20_000 / 26
BLOCKERS_PER_WEEK = 20_000 / 26
NPS_ANSWERS = 5_000 / 26  # per week, in a round every two weeks
WAITING_SHARE = 0.3
CHANNELS = [f"C{n:04d}BENCH" for n in range(20)]
USERS = [f"U{n:05d}BENCH" for n in range(400)]

TARGET_DIGEST_S = 3.0
TARGET_MEMORY_MB = 500
TARGET_KPI_MS = 300
TARGET_GROWTH = 0.30

ENV = {
    "SLACK_BOT_TOKEN": "xoxb-bench",
    "SLACK_SIGNING_SECRET": "bench",
    "SLACK_API_URL": "http://127.0.0.1:9/api/",
    "BATON_TIMEZONE": "America/New_York",
    "BATON_HOLIDAYS": "US",
    "BATON_DIGEST_CHANNELS": "C0LEADS",
    "BATON_LOG_LEVEL": "WARNING",
}


def _text(moments: np.ndarray) -> np.ndarray:
    """datetime64[us] (UTC) as SQLAlchemy stores them in SQLite: 'YYYY-MM-DD HH:MM:SS.ffffff'."""
    text = np.datetime_as_string(moments.astype("datetime64[us]"), unit="us")
    return np.char.replace(text, "T", " ")


def _column(values: np.ndarray, present: np.ndarray) -> list[object]:
    return [
        value if ok else None for value, ok in zip(values.tolist(), present.tolist(), strict=True)
    ]


def build(path: Path, weeks: int, seed: int = 7) -> dict[str, int]:
    """A migrated SQLite database with `weeks` weeks of history ending before NOW."""
    from sqlalchemy import create_engine

    from storage import migrate

    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    rng = np.random.default_rng(seed)
    end = np.datetime64(NOW.replace(tzinfo=None), "us") - np.timedelta64(9 * 3600 + 1800, "s")
    start = end - np.timedelta64(weeks * 7 * 86400, "s")
    span_us = int((end - start) / np.timedelta64(1, "us"))
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    counts = {}

    # -- messages -----------------------------------------------------------------------
    n = int(MESSAGES_PER_WEEK * weeks)
    posted = start + np.sort(rng.integers(0, span_us, n)).astype("timedelta64[us]")
    waiting = rng.random(n) < WAITING_SHARE
    answered = waiting & (rng.random(n) < 0.93)
    wall = rng.lognormal(np.log(1.5 * 3600), 1.0, n)
    answered_at = posted + (wall * 1e6).astype("timedelta64[us]")
    answered &= answered_at < end
    business = wall * 0.55
    sla_due = posted + np.timedelta64(6 * 3600, "s")
    unanswered_due = posted + np.timedelta64(2 * 86400, "s")
    channel = rng.choice(CHANNELS, n)
    user = rng.choice(USERS, n)
    posted_text, answered_text = _text(posted), _text(answered_at)
    sla_text, unanswered_text = _text(sla_due), _text(unanswered_due)
    epoch = (posted - np.datetime64("1970-01-01T00:00:00", "us")) / np.timedelta64(1, "s")
    rows = zip(
        channel.tolist(),
        [f"{int(e)}.{i % 1_000_000:06d}" for i, e in enumerate(epoch.tolist())],
        user.tolist(),
        posted_text.tolist(),
        waiting.tolist(),
        ["mention" if w else None for w in waiting.tolist()],
        _column(answered_text, answered),
        _column(wall.round(3), answered),
        _column(business.round(3), answered),
        _column(sla_text, waiting),
        _column(unanswered_text, waiting),
        strict=True,
    )
    connection.executemany(
        "INSERT INTO messages (team_id, channel_id, ts, user_id, posted_at, is_question, "
        "wait_kind, deleted, answered_at, wall_seconds, business_seconds, sla_due_at, "
        "unanswered_due_at) VALUES ('T1', ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)",
        rows,
    )
    counts["messages"] = n

    # -- escalations and blockers ---------------------------------------------------------
    for table, per_week in (("escalations", ESCALATIONS_PER_WEEK), ("blockers", BLOCKERS_PER_WEEK)):
        m = int(per_week * weeks)
        created = start + np.sort(rng.integers(0, span_us, m)).astype("timedelta64[us]")
        ack = created + (rng.lognormal(np.log(30 * 60), 1.0, m) * 1e6).astype("timedelta64[us]")
        resolved = created + (rng.lognormal(np.log(20 * 3600), 1.0, m) * 1e6).astype(
            "timedelta64[us]"
        )
        is_acked = (rng.random(m) < 0.95) & (ack < end)
        is_resolved = (rng.random(m) < 0.97) & (resolved < end) & (resolved > ack)
        created_text, ack_text, resolved_text = _text(created), _text(ack), _text(resolved)
        if table == "escalations":
            status = np.where(is_resolved, "resolved", np.where(is_acked, "acknowledged", "open"))
            connection.executemany(
                "INSERT INTO escalations (team_id, title, severity, status, reporter_id, "
                "owner_id, assignee_id, level, source_channel_id, created_at, acknowledged_at, "
                "resolved_at) VALUES ('T1', 'Payments API returns 500', ?, ?, 'UREPORTER', "
                "'UOWNER', 'UOWNER', 0, ?, ?, ?, ?)",
                zip(
                    rng.integers(1, 5, m).tolist(),
                    status.tolist(),
                    rng.choice(CHANNELS, m).tolist(),
                    created_text.tolist(),
                    _column(ack_text, is_acked | is_resolved),
                    _column(resolved_text, is_resolved),
                    strict=True,
                ),
            )
        else:
            status = np.where(is_resolved, "resolved", "open")
            connection.executemany(
                "INSERT INTO blockers (team_id, text, status, reporter_id, source_channel_id, "
                "created_at, resolved_at) VALUES ('T1', 'Waiting on VPN access', ?, "
                "'UREPORTER', ?, ?, ?)",
                zip(
                    status.tolist(),
                    rng.choice(CHANNELS, m).tolist(),
                    created_text.tolist(),
                    _column(resolved_text, is_resolved),
                    strict=True,
                ),
            )
        counts[table] = m

    # -- NPS: a round every two weeks ----------------------------------------------------------
    answers = 0
    for number in range(weeks // 2):
        started = start + np.timedelta64(number * 14 * 86400 + 15 * 3600, "s")
        ends = started + np.timedelta64(5 * 86400, "s")
        cursor = connection.execute(
            "INSERT INTO nps_rounds (team_id, audience, question, min_responses, started_at, "
            "ends_at, closed_at) VALUES ('T1', 'CGENERAL', 'Recommend?', 5, ?, ?, ?)",
            (str(_text(np.array([started]))[0]),) + (str(_text(np.array([ends]))[0]),) * 2,
        )
        round_id = cursor.lastrowid
        invited = USERS[: int(NPS_ANSWERS * 2 * 1.2)]
        per_round = int(NPS_ANSWERS * 2)
        connection.executemany(
            "INSERT INTO nps_invitations (team_id, round_id, user_id, status, attempts, "
            "reminders_sent) VALUES ('T1', ?, ?, ?, 0, 0)",
            [(round_id, u, "answered" if i < per_round else "sent") for i, u in enumerate(invited)],
        )
        scores = rng.choice(11, per_round, p=[0.01] * 5 + [0.03, 0.07, 0.1, 0.18, 0.3, 0.27])
        day = str(np.datetime_as_string(started, unit="D"))
        connection.executemany(
            "INSERT INTO nps_answers (team_id, id, round_id, score, answered_on) "
            "VALUES ('T1', ?, ?, ?, ?)",
            [(f"{round_id:06d}-{i:06d}", round_id, int(s), day) for i, s in enumerate(scores)],
        )
        answers += per_round
    counts["nps_answers"] = answers
    connection.commit()
    connection.execute("ANALYZE")
    connection.close()
    return counts


# The measurement, run in its own process: `python benchmarks/digest.py --measure DB`.
def measure(database: str, runs: int) -> dict[str, object]:
    env = {**ENV, "DATABASE_URL": f"sqlite:///{database}"}
    from bot.config.settings import load_settings
    from bot.core.weeks import last_full_week
    from bot.digest.blocks import build_digest_message
    from bot.digest.build import build_charts, build_digest
    from bot.kpi.compare import compared_message
    from bot.runtime.services import build_services

    settings = load_settings(env)
    imported = _peak_rss_mb()
    services = build_services(settings)
    services.now = lambda: NOW
    week = last_full_week(NOW, settings.calendar.tz)

    def digest() -> int:
        built = build_digest(services, week)
        charts = build_charts(built)
        build_digest_message(built)
        return len(charts)

    started = time.perf_counter()
    charts = digest()  # the first one computes and keeps the baselines
    first = time.perf_counter() - started
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        digest()
        times.append(time.perf_counter() - started)
    after_digests = _peak_rss_mb()
    kpi = []
    for _ in range(runs * 2):
        started = time.perf_counter()
        compared_message(services, "summary", days=7, channel=None)
        kpi.append(time.perf_counter() - started)
    return {
        "charts": charts,
        "imports_rss_mb": imported,
        "first_digest_s": first,
        "digest_s": statistics.median(times),
        "digest_runs_s": times,
        "kpi_ms": statistics.median(kpi) * 1000,
        "peak_rss_mb": after_digests,
    }


def _peak_rss_mb() -> float:
    # VmHWM, not getrusage(): ru_maxrss survives exec and would report the parent's peak.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _measure_in_child(database: Path, runs: int) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, __file__, "--measure", str(database), "--runs", str(runs)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    measured: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", default=None, help="folder to keep the databases in")
    parser.add_argument("--measure", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.runs)))
        return
    folder = Path(args.keep or tempfile.mkdtemp(prefix="baton-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = {}
    for weeks in (args.weeks, args.weeks * 2):
        path = folder / f"history-{weeks}w.db"
        if not path.exists():
            started = time.perf_counter()
            counts = build(path, weeks)
            print(
                f"built {path.name}: "
                + ", ".join(f"{count:,} {name}" for name, count in counts.items())
                + f" in {time.perf_counter() - started:.0f} s",
                flush=True,
            )
        results[weeks] = _measure_in_child(path, args.runs)
        r = results[weeks]
        print(
            f"{weeks} weeks: digest {r['digest_s']:.2f} s median of {args.runs} "
            f"(first, computing baselines: {r['first_digest_s']:.2f} s; "
            f"{r['charts']} charts), peak RSS {r['peak_rss_mb']:.0f} MB "
            f"({r['imports_rss_mb']:.0f} MB of it the imports); "
            f"/kpi 7d {r['kpi_ms']:.0f} ms median of {args.runs * 2}",
            flush=True,
        )
    small, large = results[args.weeks], results[args.weeks * 2]
    growth = float(large["digest_s"]) / float(small["digest_s"]) - 1  # type: ignore[arg-type]
    print(f"doubling the history changes the digest's time by {growth * 100:+.0f}%")
    checks = {
        f"digest < {TARGET_DIGEST_S} s": float(small["digest_s"]) < TARGET_DIGEST_S,  # type: ignore[arg-type]
        f"peak memory < {TARGET_MEMORY_MB} MB": float(small["peak_rss_mb"]) < TARGET_MEMORY_MB,  # type: ignore[arg-type]
        f"/kpi 7d < {TARGET_KPI_MS} ms": float(small["kpi_ms"]) < TARGET_KPI_MS,  # type: ignore[arg-type]
        f"growth < {TARGET_GROWTH * 100:.0f}%": abs(growth) < TARGET_GROWTH,
    }
    for name, ok in checks.items():
        print(f"  {'ok  ' if ok else 'MISS'} {name}")
    if not args.keep:
        for path in folder.iterdir():
            path.unlink()
        os.rmdir(folder)


if __name__ == "__main__":
    main()
