"""How long Baton takes to answer `/escalate` over HTTP, next to a bare Bolt app, in one run.

Both apps run behind gunicorn (sync workers, --preload) on 127.0.0.1, get the same signed
slash-command requests from N client threads for S seconds, and are measured the same way:
wall time per request, from connecting to reading the whole answer. Baton writes its row,
answers, and then posts to a fake Slack Web API in a subprocess (tests/fake_slack.py).

    python benchmarks/ack.py [--seconds 10] [--clients 20] [--workers 2]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import (  # noqa: E402
    Result,
    baton_env,
    drive,
    gunicorn,
    signed,
)

TEXT = "sev2 Payments API returns 500 for EU customers"
WARM_UP_SECONDS = 1.0
TARGET_RATIO = 2.0
TARGET_P99_MS = 100.0

# Runs in its own process, so that its work never competes with the clients for the GIL.
FAKE_SLACK = """
import json, sys
from tests.support.fake_slack import FakeSlack
fake = FakeSlack().start()
fake.add_user("UREPORTER")
print(fake.url, fake.response_url("bench"), flush=True)
sys.stdin.read()
counts = {}
for call in list(fake.calls):
    counts[call.method] = counts.get(call.method, 0) + 1
print(json.dumps(counts), flush=True)
"""


def command_body(response_url: str, trigger: int) -> str:
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": "T0BATON",
            "team_domain": "acme",
            "channel_id": "CGENERAL",
            "channel_name": "general",
            "user_id": "UREPORTER",
            "user_name": "ureporter",
            "command": "/escalate",
            "text": TEXT,
            "api_app_id": "A0BATON",
            "response_url": response_url,
            "trigger_id": f"{trigger}.0000.bench",
        }
    )


def load(name: str, port: int, response_url: str, clients: int, seconds: float) -> Result:
    """`clients` threads send /escalate back to back; only the last `seconds` are counted."""
    triggers = itertools.count(1)

    def requests(_: int) -> Iterator[tuple[str, dict[str, str]]]:
        while True:
            body = command_body(response_url, next(triggers))
            yield body, signed(body, "application/x-www-form-urlencoded")

    return drive(name, port, clients, requests, warm_up=WARM_UP_SECONDS, seconds=seconds)


def run_app(
    name: str,
    target: str,
    env: dict[str, str],
    response_url: str,
    args: argparse.Namespace,
    *,
    config: str | None = None,
    after_load: Callable[[], None] | None = None,
) -> Result:
    with gunicorn(target, env, args.workers, config) as (_, port):
        result = load(name, port, response_url, args.clients, args.seconds)
        if after_load is not None:
            after_load()
        return result


def row(result: Result) -> str:
    return (
        f"{result.name:<10}{len(result.latencies):>9}{result.errors:>8}{result.throughput:>9.0f}"
        f"{result.mean_ms:>9.2f}{result.percentile(0.50):>9.2f}{result.percentile(0.99):>9.2f}"
    )


def undone_tasks(database_url: str) -> int:
    from storage import outbox
    from storage.db import Database

    db = Database(database_url)
    try:
        with db.reading() as session:
            return outbox.undone(session)
    finally:
        db.dispose()


def count_rows(database_url: str) -> int:
    from sqlalchemy import func, select

    from storage.db import Database
    from storage.models import Escalation

    db = Database(database_url)
    try:
        with db.reading() as session:
            return int(session.scalar(select(func.count()).select_from(Escalation)) or 0)
    finally:
        db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per app")
    parser.add_argument("--clients", type=int, default=20, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per app")
    args = parser.parse_args()

    from storage import migrate
    from storage.db import create_db_engine

    with tempfile.TemporaryDirectory(prefix="baton-bench-") as tmp:
        database_url = f"sqlite:///{tmp}/baton.db"
        engine = create_db_engine(database_url)
        migrate.upgrade(engine)
        engine.dispose()

        fake = subprocess.Popen(
            [sys.executable, "-c", FAKE_SLACK],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert fake.stdin is not None and fake.stdout is not None
        api_url, response_url = fake.stdout.readline().split()

        # Only what the brief of this benchmark sets; a developer's BATON_… settings stay out.
        # Set but empty counts as unset, and wins over a BATON_ESCALATION_OWNER in .env.
        env = baton_env(api_url, database_url, args.workers, BATON_ESCALATION_OWNER="")
        drained_after: list[float] = []

        def wait_for_outbox() -> None:
            # The drainer runs at low priority: it posts once the load leaves it CPU.
            started = time.perf_counter()
            while undone_tasks(database_url) and time.perf_counter() - started < 300:
                time.sleep(0.2)
            drained_after.append(time.perf_counter() - started)

        try:
            bare = run_app("bare Bolt", "benchmarks.bare_app:wsgi()", env, response_url, args)
            baton = run_app(
                "Baton",
                "bot.server:wsgi()",
                env,
                response_url,
                args,
                config="python:bot.gunicorn_config",
                after_load=wait_for_outbox,
            )
        finally:
            fake.stdin.close()
            slack_calls = json.loads(fake.stdout.readline() or "{}")
            fake.wait(timeout=10)
        rows = count_rows(database_url)

    print(
        f"/escalate over HTTP on 127.0.0.1: {args.clients} clients, {args.seconds:g} s per app "
        f"(after {WARM_UP_SECONDS:g} s warm-up), gunicorn {args.workers} sync workers, "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"{'app':<10}{'requests':>9}{'errors':>8}{'req/s':>9}{'mean ms':>9}{'p50 ms':>9}"
        f"{'p99 ms':>9}"
    )
    print(row(bare))
    print(row(baton))
    for result in (bare, baton):
        if result.first_error:
            print(f"{result.name}: first error: {result.first_error}")
    print(f"Baton wrote {rows} escalations; fake Slack saw {json.dumps(slack_calls)}")
    if drained_after:
        print(f"every escalation was posted {drained_after[0]:.1f} s after the load ended")

    ratio = baton.percentile(0.99) / bare.percentile(0.99)
    holds = ratio <= TARGET_RATIO and baton.percentile(0.99) < TARGET_P99_MS and not baton.errors
    print(
        f"p99 Baton / bare: {ratio:.2f}x; target (within {TARGET_RATIO:g}x and under "
        f"{TARGET_P99_MS:g} ms, no errors): {'holds' if holds else 'does NOT hold'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
