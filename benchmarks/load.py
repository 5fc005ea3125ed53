"""Mixed traffic at a fixed rate: the highest rate Baton sustains, then a soak at half of it.

90% message events, 8% slash commands (/escalate, /blocker), 2% button clicks (acknowledging
escalations), sent on 127.0.0.1 at a fixed rate, open loop: each request has its moment, and its
latency counts from that moment, so a server that falls behind is seen falling behind. Baton is
measured against a bare Bolt app (benchmarks/bare_app.py) at the same rate in the same run, on
SQLite with one web process and on PostgreSQL with two (the client spreads requests over them).

A rate holds when Baton answers every request with 200 and its p99 is within 3x the bare app's
p99 at that rate. The search doubles the rate until it fails, then halves the gap three times
(--search-seconds per trial); the rate found is then run for --seconds and, while that fails,
15% lower, four times at most. Then a soak at half that rate for --soak seconds: memory (PSS
of every process of the servers) must stay within 5% of what it was a minute in.

    python benchmarks/load.py [--database sqlite|postgresql|both] [--seconds 60] [--soak 600]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.ack import undone_tasks  # noqa: E402
from benchmarks.common import (  # noqa: E402
    Result,
    baton_env,
    drop_database,
    fresh_database,
    gunicorn,
    post,
    signed,
    start_fake_slack,
)
from benchmarks.ingest import FAKE_SLACK, PEOPLE, TEAM, Stream  # noqa: E402
from benchmarks.memory import sample, total_mb  # noqa: E402

TARGET_RATIO = 3.0
FLAT_WITHIN = 0.05
SENDERS = 48
WARM_UP_SECONDS = 2.0
STEPS_DOWN = 4
DATABASE_NAME = "baton_load"
BATON_CONFIG = "python:bot.gunicorn_config"


# -- the traffic -----------------------------------------------------------------------------


class Mix:
    """The requests, in order: 90% events, 8% commands, 2% clicks on escalations made earlier."""

    def __init__(self, response_url: str, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.streams = [Stream(number, seed) for number in range(8)]
        self.response_url = response_url
        self.escalations = 0
        self.serial = itertools.count(1)
        self.lock = threading.Lock()

    def next(self) -> tuple[str, dict[str, str]]:
        with self.lock:
            roll = self.rng.random()
            if roll < 0.90:
                body, extra = self.rng.choice(self.streams).next()
                return body, signed(body, "application/json") | extra
            if roll < 0.98 or not self.escalations:
                return self._command()
            return self._click(self.rng.randint(1, self.escalations))

    def _command(self) -> tuple[str, dict[str, str]]:
        escalate = self.rng.random() < 0.5
        if escalate:
            self.escalations += 1
        user = self.rng.choice(PEOPLE)
        body = urlencode(
            {
                "token": "legacy-verification-token",
                "team_id": TEAM,
                "channel_id": "CGENERAL",
                "user_id": user,
                "command": "/escalate" if escalate else "/blocker",
                "text": "sev3 Checkout is slow for EU customers"
                if escalate
                else f"Waiting on <@{self.rng.choice(PEOPLE)}> for staging access",
                "api_app_id": "A0BATON",
                "response_url": self.response_url,
                "trigger_id": f"{next(self.serial)}.0000.load",
            }
        )
        return body, signed(body, "application/x-www-form-urlencoded")

    def _click(self, escalation: int) -> tuple[str, dict[str, str]]:
        user = self.rng.choice(PEOPLE)
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": "A0BATON",
            "token": "legacy-verification-token",
            "container": {"type": "message", "message_ts": "1.000100", "channel_id": "CGENERAL"},
            "trigger_id": f"{next(self.serial)}.0000.load",
            "team": {"id": TEAM, "domain": "acme"},
            "channel": {"id": "CGENERAL", "name": "general"},
            "message": {"type": "message", "ts": "1.000100", "text": ""},
            "response_url": self.response_url,
            "actions": [
                {
                    "action_id": "escalation_acknowledge",
                    "block_id": "escalation_actions",
                    "value": str(escalation),
                    "type": "button",
                    "action_ts": "1.000200",
                }
            ],
        }
        body = urlencode({"payload": json.dumps(payload)})
        return body, signed(body, "application/x-www-form-urlencoded")


def paced(name: str, ports: list[int], mix: Mix, rate: float, seconds: float) -> Result:
    """Send at `rate` a second for `seconds` (after a warm-up not counted), open loop."""
    total = int(rate * (WARM_UP_SECONDS + seconds))
    start = time.perf_counter() + 0.2
    counted_from = start + WARM_UP_SECONDS
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0
    first_error: str | None = None

    def sender(number: int) -> None:
        nonlocal errors, first_error
        mine: list[float] = []
        my_errors, my_first = 0, None
        for index in range(number, total, SENDERS):
            due = start + index / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            body, headers = mix.next()
            problem = post(ports[index % len(ports)], body, headers)
            ended = time.perf_counter()
            if due < counted_from:
                continue
            if problem is None:
                mine.append(ended - due)
            else:
                my_errors += 1
                my_first = my_first or problem
        with lock:
            latencies.extend(mine)
            errors += my_errors
            first_error = first_error or my_first

    threads = [threading.Thread(target=sender, args=(n,), daemon=True) for n in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(name, latencies, errors, seconds, first_error)


# -- the servers -----------------------------------------------------------------------------


@dataclass
class Servers:
    masters: list[int]
    ports: list[int]

    def memory_mb(self) -> float:
        return sum(total_mb(sample(master)) for master in self.masters)


@contextlib.contextmanager
def serve(target: str, env: dict[str, str], processes: int, workers: int) -> Iterator[Servers]:
    config = BATON_CONFIG if target.startswith("bot.") else None
    with contextlib.ExitStack() as stack:
        started = [
            stack.enter_context(gunicorn(target, env, workers, config)) for _ in range(processes)
        ]
        yield Servers([process.pid for process, _ in started], [port for _, port in started])


def outbox_lag(database_url: str, limit: float = 300.0) -> float:
    """Seconds from the end of the load until the outbox is empty."""
    started = time.perf_counter()
    while undone_tasks(database_url) and time.perf_counter() - started < limit:
        time.sleep(0.2)
    return time.perf_counter() - started


@dataclass
class Trial:
    rate: float
    baton: Result
    bare: Result

    @property
    def ratio(self) -> float:
        return self.baton.percentile(0.99) / self.bare.percentile(0.99)

    @property
    def holds(self) -> bool:
        return self.baton.errors == 0 and self.ratio <= TARGET_RATIO


def trial(baton: Servers, bare: Servers, mix: Mix, rate: float, seconds: float) -> Trial:
    result = Trial(
        rate,
        paced("Baton", baton.ports, mix, rate, seconds),
        paced("bare Bolt", bare.ports, mix, rate, seconds),
    )
    print(
        f"  {rate:7.0f} req/s  p99 Baton {result.baton.percentile(0.99):7.1f} ms, bare "
        f"{result.bare.percentile(0.99):6.1f} ms ({result.ratio:4.2f}x), errors "
        f"{result.baton.errors}{'' if result.holds else '  fails'}",
        flush=True,
    )
    return result


def search(baton: Servers, bare: Servers, mix: Mix, seconds: float) -> float:
    good, bad = 0.0, 0.0
    rate = 100.0
    while rate <= 6400:
        if trial(baton, bare, mix, rate, seconds).holds:
            good, rate = rate, rate * 2
        else:
            bad = rate
            break
    if not bad:
        return good
    for _ in range(3):
        middle = (good + bad) / 2
        if trial(baton, bare, mix, middle, seconds).holds:
            good = middle
        else:
            bad = middle
    return good


def run(kind: str, args: argparse.Namespace, api_url: str, response_url: str) -> None:
    processes = 1 if kind == "sqlite" else 2
    with tempfile.TemporaryDirectory(prefix="baton-load-") as tmp:
        url = fresh_database(kind, tmp, DATABASE_NAME)
        env = baton_env(api_url, url, args.workers, BATON_ESCALATION_OWNER="")
        mix = Mix(response_url)
        try:
            with (
                serve("bot.server:wsgi()", env, processes, args.workers) as baton,
                serve("benchmarks.bare_app:wsgi()", env, processes, args.workers) as bare,
            ):
                print(
                    f"{kind}: {processes} web process(es) of {args.workers} sync workers each, "
                    f"{os.cpu_count()} CPUs; searching ({args.search_seconds:g} s a trial)",
                    flush=True,
                )
                rate = search(baton, bare, mix, args.search_seconds)
                # A short trial can miss what a long run meets: 15% lower at a time until it
                # holds for the whole run too (four steps at most, down to about half).
                for step in range(STEPS_DOWN + 1):
                    before = baton.memory_mb()
                    final = trial(baton, bare, mix, rate, args.seconds)
                    if final.holds or step == STEPS_DOWN:
                        break
                    rate *= 0.85
                after = baton.memory_mb()
                lag = outbox_lag(url)
                report(kind, final, args.seconds, before, after, lag)
                soak(kind, baton, bare, mix, rate / 2, args.soak, url)
        finally:
            drop_database(kind, DATABASE_NAME)


def report(
    kind: str, final: Trial, seconds: float, before: float, after: float, lag: float
) -> None:
    baton, bare = final.baton, final.bare
    print(
        f"{kind}: highest rate held for {seconds:g} s: {final.rate:.0f} req/s "
        f"({'holds' if final.holds else 'does NOT hold'}): Baton p50 {baton.percentile(0.5):.1f} "
        f"ms, p99 {baton.percentile(0.99):.1f} ms, {baton.errors} errors; bare Bolt at the same "
        f"rate p50 {bare.percentile(0.5):.1f} ms, p99 {bare.percentile(0.99):.1f} ms "
        f"({final.ratio:.2f}x); outbox empty {lag:.1f} s after the load; memory "
        f"{before:.0f} MB at the start, {after:.0f} MB at the end",
        flush=True,
    )
    if baton.first_error:
        print(f"{kind}: first error: {baton.first_error}")


def soak(
    kind: str, baton: Servers, bare: Servers, mix: Mix, rate: float, seconds: float, url: str
) -> None:
    if seconds <= 0:
        return
    readings: list[float] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(10.0):
            readings.append(baton.memory_mb())

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    result = paced("Baton", baton.ports, mix, rate, seconds)
    stop.set()
    watcher.join()
    lag = outbox_lag(url)
    # From a minute in: the first minute is the caches filling, not a leak.
    settled = readings[min(5, len(readings) - 1)] if readings else float("nan")
    end = readings[-1] if readings else float("nan")
    growth = (end - settled) / settled
    print(
        f"{kind}: soak at {rate:.0f} req/s for {seconds:g} s: p50 {result.percentile(0.5):.1f} "
        f"ms, p99 {result.percentile(0.99):.1f} ms, {result.errors} errors; memory "
        f"{settled:.0f} MB a minute in, {end:.0f} MB at the end ({growth:+.1%}; flat within "
        f"{FLAT_WITHIN:.0%}: {'holds' if abs(growth) <= FLAT_WITHIN else 'does NOT hold'}); "
        f"outbox empty {lag:.1f} s after",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=60.0, help="the run at the rate found")
    parser.add_argument("--search-seconds", type=float, default=10.0, help="each search trial")
    parser.add_argument("--soak", type=float, default=600.0, help="seconds at half the rate")
    parser.add_argument("--workers", type=int, default=2, help="sync workers per web process")
    args = parser.parse_args()
    fake, api_url = start_fake_slack(FAKE_SLACK)
    response_url = api_url.replace("/api/", "/respond/load")
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    try:
        for kind in kinds:
            run(kind, args, api_url, response_url)
    finally:
        fake.stdin.close()
        fake.stdout.readline()
        fake.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
