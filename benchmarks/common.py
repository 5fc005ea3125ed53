"""What the benchmarks share: the secret and token they sign with, Slack's request signing,
client threads timing requests back to back and what they saw, an app behind gunicorn on a free
port, and a fresh database migrated to head."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

ROOT = Path(__file__).resolve().parent.parent

SECRET = "bench-secret"
TOKEN = "xoxb-bench"
PG_URL = os.environ.get("BATON_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def signed(body: str, content_type: str) -> dict[str, str]:
    """The headers Slack adds: a timestamp and v0=HMAC-SHA256(secret, "v0:ts:body")."""
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }


def post(port: int, body: str, headers: dict[str, str]) -> str | None:
    """POSTs to /slack/events on a new connection and reads the whole answer: None for HTTP 200,
    else what went wrong. A new connection each time, as gunicorn's sync workers keep none alive."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/slack/events", body=body.encode(), headers=headers)
        answer = connection.getresponse()
        answer.read()
        return None if answer.status == 200 else f"HTTP {answer.status}"
    except OSError as exc:
        return f"{exc.__class__.__name__}: {exc}"
    finally:
        connection.close()


@dataclass
class Result:
    """What one app did under load."""

    name: str
    latencies: list[float]  # seconds, successful requests only
    errors: int
    seconds: float  # counted: from the end of the warm-up to the last answer
    first_error: str | None

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
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def drive(
    name: str,
    port: int,
    clients: int,
    requests: Callable[[int], Iterable[tuple[str, dict[str, str]]]],
    *,
    warm_up: float,
    seconds: float | None,
) -> Result:
    """`clients` threads, thread n sending the (body, headers) of `requests(n)` back to back
    until they run out or `seconds` have passed after a `warm_up` that is not counted. Each
    request is timed from connecting to reading the whole answer."""
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0
    first_error: str | None = None
    counted_from = time.perf_counter() + warm_up
    until = counted_from + seconds if seconds is not None else float("inf")

    def client(number: int) -> None:
        nonlocal errors, first_error
        mine: list[float] = []
        my_errors = 0
        my_first: str | None = None
        for body, headers in requests(number):
            began = time.perf_counter()
            if began >= until:
                break
            problem = post(port, body, headers)
            ended = time.perf_counter()
            if began < counted_from:
                continue
            if problem is None:
                mine.append(ended - began)
            else:
                my_errors += 1
                my_first = my_first or problem
        # Merged once at the end, so that the clients do not wait for each other while timed.
        with lock:
            latencies.extend(mine)
            errors += my_errors
            first_error = first_error or my_first

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(name, latencies, errors, time.perf_counter() - counted_from, first_error)


def children(pid: int) -> list[int]:
    """The process ids whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def baton_env(api_url: str, database_url: str, workers: int, **settings: str) -> dict[str, str]:
    """This process's environment with none of a developer's BATON_ or SLACK_ settings, and
    what a benchmark's Baton needs: the bench token and secret, the fake Slack, its database,
    its number of workers, and `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BATON_", "SLACK_"))}
    env.update(
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=api_url,
        DATABASE_URL=database_url,
        WEB_CONCURRENCY=str(workers),
        **settings,
    )
    return env


def start_fake_slack(script: str) -> tuple[subprocess.Popen[str], str]:
    """Run `script`, a fake Slack Web API that prints its first line (its URL) and serves until
    its stdin closes, in a process of its own: that process and the line."""
    fake = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert fake.stdin is not None and fake.stdout is not None
    return fake, fake.stdout.readline().strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


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


@contextmanager
def gunicorn(
    target: str, env: dict[str, str], workers: int, config: str | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`target` behind gunicorn (--preload, sync workers) on 127.0.0.1, once /healthz answers:
    the server's process and its port. Stopped on leaving; its errors go to stderr."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", *(["--config", config] if config else []),
        "--preload", "--workers", str(workers), "--worker-class", "sync",
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning", target,
    ]  # fmt: skip
    # A file, not a pipe: nobody reads the log while the load runs, and a full pipe would
    # stall the server.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            wait_healthy(port, process)
            yield process, port
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.seek(0)
            output = log.read().decode(errors="replace")
            errors = [
                line for line in output.splitlines() if "ERROR" in line or "Traceback" in line
            ]
            if errors:
                sys.stderr.write(f"server errors ({len(errors)} lines), last: {errors[-1][:300]}\n")
            if process.returncode not in (0, -15):  # -15: it died of our SIGTERM
                sys.stderr.write(output[-3000:])


@contextmanager
def engine_on(url: str) -> Iterator[Engine]:
    """Baton's engine on `url` for the block, disposed after it."""
    from storage.db import create_db_engine

    engine = create_db_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def fresh_database(kind: str, tmp: str, name: str) -> str:
    """A database migrated to head: a new SQLite file in `tmp`, or on PostgreSQL the schema
    `name`_pid, named per process so that runs side by side do not meet, and dropped first in
    case a killed run left it behind."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from storage import migrate

    if kind == "sqlite":
        url = f"sqlite:///{tmp}/{name}-{time.monotonic_ns()}.db"
    else:
        schema = f"{name}_{os.getpid()}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        url = (
            make_url(PG_URL)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    with engine_on(url) as engine:
        migrate.upgrade(engine)
    return url


def drop_database(kind: str, name: str) -> None:
    """Drops the schema fresh_database(kind, …, name) made; a SQLite file goes with its `tmp`."""
    if kind != "postgresql":
        return
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}_{os.getpid()}" CASCADE'))
    admin.dispose()
