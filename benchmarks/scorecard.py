"""How long the scorecard and the monthly review take, against `/kpi summary` and the digest.

Builds the history of benchmarks/digest.py (1,000,000 messages over 26 weeks, 20,000
escalations, 20,000 blockers, 5,000 NPS answers) and adds three years of weekly check-ins
(BATON_SPRINT_DAYS=7: 156 sprints, every field) with a scorecard snapshot for each weekly digest
and monthly review of those years. Then, in a fresh process and in the same run, times the
`/kpi scorecard` answer, `/kpi summary` over 7 days, the monthly review (the scorecard, what
changed, the readiness chart) and the weekly digest (with its charts); medians of 5.

Targets: the scorecard at most 2 × `/kpi summary`; the review at most the digest.

    python benchmarks/scorecard.py [--runs 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest import ENV as DIGEST_ENV  # noqa: E402  (benchmarks/digest.py, beside this file)
from digest import NOW, TZ  # noqa: E402
from digest import build as build_history  # noqa: E402

SPRINT_DAYS = 7
YEARS = 3
TODAY = NOW.astimezone(TZ).date()  # Monday 23 Nov 2026
OPERATE_START = TODAY - timedelta(days=SPRINT_DAYS * 52 * YEARS)
ENV = {
    **DIGEST_ENV,
    "BATON_OPERATE_START": OPERATE_START.isoformat(),
    "BATON_SPRINT_DAYS": str(SPRINT_DAYS),
    "BATON_TRANSFER_DATE": (TODAY + timedelta(days=180)).isoformat(),
    "BATON_CHECKIN_LEADS": "U00000BENCH",
}
MAX_SCORECARD_RATIO = 2.0
MAX_REVIEW_RATIO = 1.0


def add_checkins(path: Path, seed: int = 11) -> int:
    """A check-in for every sprint of the three years, and a snapshot for each digest and review."""
    from storage.checkins import FIELD_COLUMNS

    rng = np.random.default_rng(seed)
    sprints = (TODAY - OPERATE_START).days // SPRINT_DAYS
    rows = []
    for number in range(1, sprints + 1):
        start = OPERATE_START + timedelta(days=(number - 1) * SPRINT_DAYS)
        deployments = int(rng.integers(2, 12))
        leavers = int(rng.integers(0, 2))
        resolved = int(rng.integers(30, 60))
        values = {
            "points_planned": 30.0,
            "points_delivered": float(rng.integers(20, 35)),
            "milestones_due": 2.0,
            "milestones_on_schedule": float(rng.integers(0, 3)),
            "kt_items_total": 200.0,
            "kt_items_validated": float(min(200, number * 1.1)),
            "spend": float(rng.normal(10_000, 800)),
            "forecast": 10_000.0,
            "budget_consumed_pct": min(100.0, number * 0.6),
            "milestones_completed_pct": min(100.0, number * 0.55),
            "tickets_resolved": float(resolved),
            "tickets_first_time_fixed": float(resolved - int(rng.integers(0, 8))),
            "headcount": 40.0,
            "key_roles": 12.0,
            "leavers": float(leavers),
            "key_role_leavers": float(leavers and int(rng.integers(0, 2))),
            "deployments": float(deployments),
            "failed_changes": float(int(rng.integers(0, 2))),
            "lead_time_hours": float(rng.lognormal(np.log(48), 0.4)),
            "restore_hours": float(rng.lognormal(np.log(6), 0.6)),
        }
        rows.append(
            (
                number,
                start.isoformat(),
                (start + timedelta(days=SPRINT_DAYS)).isoformat(),
                *(values[name] for name in FIELD_COLUMNS),
            )
        )
    connection = sqlite3.connect(path)
    columns = ", ".join(FIELD_COLUMNS)
    marks = ", ".join("?" for _ in FIELD_COLUMNS)
    connection.executemany(
        f"INSERT INTO checkins (team_id, sprint, sprint_start, sprint_end, {columns}, "
        f"updated_at) VALUES ('T1', ?, ?, ?, {marks}, '2026-01-01 00:00:00.000000')",
        rows,
    )
    snapshots = []
    for week in range(1, sprints + 1):
        day = OPERATE_START + timedelta(weeks=week)
        readiness = round(float(rng.uniform(0.4, 0.9)), 4)
        card = json.dumps({"readiness": readiness, "kpis": {}})
        snapshots.append(("digest", day.isoformat(), readiness, card))
        if day.day <= 7:
            snapshots.append(("review", day.isoformat(), readiness, card))
    connection.executemany(
        "INSERT INTO scorecard_snapshots (team_id, kind, taken_on, readiness, scorecard, "
        "taken_at) VALUES ('T1', ?, ?, ?, ?, '2026-01-01 00:00:00.000000')",
        snapshots,
    )
    connection.commit()
    connection.close()
    return sprints


# The measurement, run in its own process: `python benchmarks/scorecard.py --measure DB`.
def measure(database: str, runs: int) -> dict[str, object]:
    from bot.config.settings import load_settings
    from bot.core.weeks import last_full_week
    from bot.digest.blocks import build_digest_message
    from bot.digest.build import build_charts, build_digest
    from bot.digest.review import build_review, review_chart
    from bot.digest.review_blocks import build_review_message
    from bot.kpi.compare import compared_message
    from bot.kpi.scorecard import scorecard
    from bot.kpi.scorecard_blocks import build_scorecard_message
    from bot.runtime.services import build_services

    settings = load_settings({**ENV, "DATABASE_URL": f"sqlite:///{database}"})
    services = build_services(settings)
    services.now = lambda: NOW
    week = last_full_week(NOW, settings.calendar.tz)
    month = TODAY.replace(day=1)

    def answer_scorecard() -> None:
        build_scorecard_message(scorecard(services).shown_to(True))

    def answer_summary() -> None:
        compared_message(services, "summary", days=7, channel=None)

    def review() -> None:
        built = build_review(services, month, NOW)
        review_chart(built)
        build_review_message(built)

    def digest() -> None:
        built = build_digest(services, week)
        build_charts(built)
        build_digest_message(built)

    timed = {"scorecard": answer_scorecard, "summary": answer_summary, "review": review}
    timed["digest"] = digest
    for work in timed.values():
        work()  # the first run computes and keeps the baselines
    times: dict[str, list[float]] = {name: [] for name in timed}
    for _ in range(runs):
        for name, work in timed.items():
            started = time.perf_counter()
            work()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", default=None, help="folder to keep the database in")
    parser.add_argument("--measure", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.runs)))
        return
    folder = Path(args.keep or tempfile.mkdtemp(prefix="baton-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "history-scorecard.db"
    if not path.exists():
        started = time.perf_counter()
        counts = build_history(path, 26)
        sprints = add_checkins(path)
        print(
            f"built {path.name}: "
            + ", ".join(f"{count:,} {name}" for name, count in counts.items())
            + f", {sprints} weekly check-ins since {OPERATE_START:%d %b %Y}"
            + f" in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    result = subprocess.run(
        [sys.executable, __file__, "--measure", str(path), "--runs", str(args.runs)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    found: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    print(
        f"/kpi scorecard {found['scorecard'] * 1000:.0f} ms · /kpi summary 7d "
        f"{found['summary'] * 1000:.0f} ms · monthly review {found['review']:.2f} s · weekly "
        f"digest {found['digest']:.2f} s (medians of {args.runs})"
    )
    checks = {
        f"scorecard ≤ {MAX_SCORECARD_RATIO:g} × /kpi summary "
        f"({found['scorecard'] / found['summary']:.2f} ×)": found["scorecard"]
        <= MAX_SCORECARD_RATIO * found["summary"],
        f"review ≤ the digest ({found['review'] / found['digest']:.2f} ×)": found["review"]
        <= MAX_REVIEW_RATIO * found["digest"],
    }
    for name, ok in checks.items():
        print(f"  {'ok  ' if ok else 'MISS'} {name}")
    if not args.keep:
        for stale in folder.iterdir():
            stale.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
