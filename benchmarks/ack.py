"""How long Baton takes to answer `/escalate` over HTTP, next to a bare Bolt app, in one run.

Both apps run behind gunicorn (sync workers, --preload) on 127.0.0.1, get the same signed
slash-command requests from N client threads for S seconds, and are measured the same way:
wall time per request, from connecting to reading the whole answer. Baton writes its row,
answers, and then posts to a fake Slack Web API in a subprocess (tests/fake_slack.py).

    python benchmarks/ack.py [--seconds 10] [--clients 20] [--workers 2]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret"
TOKEN = "xoxb-bench"
TEXT = "sev2 Payments API returns 500 for EU customers"
WARM_UP_SECONDS = 1.0
TARGET_RATIO = 2.0
TARGET_P99_MS = 100.0

# Runs in its own process, so that its work never competes with the clients for the GIL.
FAKE_SLACK = """
import json, sys
from tests.fake_slack import FakeSlack
fake = FakeSlack().start()
fake.add_user("UREPORTER")
print(fake.url, fake.response_url("bench"), flush=True)
sys.stdin.read()
counts = {}
for call in list(fake.calls):
    counts[call.method] = counts.get(call.method, 0) + 1
print(json.dumps(counts), flush=True)
"""


@dataclass
class Result:
    """What one app did under load."""

    name: str
    latencies: list[float]  # seconds, successful requests only
    errors: int
    seconds: float
    first_error: str | None = None

    def percentile(self, q: float) -> float:
        """Linear interpolation between the closest ranks, in milliseconds."""
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        position = (len(ordered) - 1) * q
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        return 1000 * (ordered[low] + (ordered[high] - ordered[low]) * (position - low))

    @property
    def mean_ms(self) -> float:
        return 1000 * sum(self.latencies) / len(self.latencies) if self.latencies else float("nan")

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def signed(body: str) -> dict[str, str]:
    """The headers Slack adds: a timestamp and v0=HMAC-SHA256(secret, "v0:ts:body")."""
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }


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


def wait_healthy(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode} before /healthz answered")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"/healthz did not answer 200 within {timeout:.0f} s")


def load(name: str, port: int, response_url: str, clients: int, seconds: float) -> Result:
    """`clients` threads send /escalate back to back; only the last `seconds` are counted."""
    triggers = itertools.count(1)
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0
    first_error: str | None = None
    start = time.perf_counter()
    counted_from = start + WARM_UP_SECONDS
    until = counted_from + seconds

    def client() -> None:
        nonlocal errors, first_error
        mine: list[float] = []
        my_errors = 0
        my_first: str | None = None
        while True:
            body = command_body(response_url, next(triggers))
            headers = signed(body)
            began = time.perf_counter()
            if began >= until:
                break
            problem = None
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                connection.request("POST", "/slack/events", body=body, headers=headers)
                answer = connection.getresponse()
                answer.read()
                if answer.status != 200:
                    problem = f"HTTP {answer.status}"
            except OSError as exc:
                problem = f"{exc.__class__.__name__}: {exc}"
            finally:
                connection.close()
            ended = time.perf_counter()
            if began < counted_from:
                continue
            if problem is None:
                mine.append(ended - began)
            else:
                my_errors += 1
                my_first = my_first or problem
        with lock:
            latencies.extend(mine)
            errors += my_errors
            first_error = first_error or my_first

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - counted_from
    return Result(name, latencies, errors, elapsed, first_error)


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
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        *(["--config", config] if config else []),
        "--preload",
        "--workers",
        str(args.workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        target,
    ]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            wait_healthy(port, process)
            result = load(name, port, response_url, args.clients, args.seconds)
            if after_load is not None:
                after_load()
            return result
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.returncode not in (0, -15):
                log.seek(0)
                sys.stderr.write(log.read().decode(errors="replace")[-3000:])


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
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BATON_", "SLACK_"))}
        env.update(
            SLACK_BOT_TOKEN=TOKEN,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=api_url,
            DATABASE_URL=database_url,
            # Set but empty counts as unset, and wins over a BATON_ESCALATION_OWNER in .env.
            BATON_ESCALATION_OWNER="",
            WEB_CONCURRENCY=str(args.workers),
        )
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
