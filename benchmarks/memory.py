"""How much memory Baton's web process holds, next to a bare Bolt app, in one run.

Both apps run behind gunicorn (2 sync workers, --preload; Baton with its own gunicorn config,
as the Procfile runs it, so its outbox drainer runs beside the workers) on 127.0.0.1 and get the
same stream of signed requests: what a web process serves all day (message events, `/escalate`,
`/blocker`, Acknowledge and Resolved clicks, and modal submissions; never `/kpi`), from 4 client
threads, 20,000 requests per app. After every 5,000 the script reads, for each process of the
server (master, workers, drainer), its proportional set size (PSS, /proc/PID/smaps_rollup:
pages shared by the preloading master count once, split between the processes that share them)
and its resident set size (RSS), and whether pandas, NumPy or matplotlib are mapped into it.

    python benchmarks/memory.py [--requests 20000] [--clients 4] [--workers 2]

Target: the sum of Baton's PSS at most 3× the bare app's, and flat (within 5 MB) from the first
5,000 requests to the end.
"""

from __future__ import annotations

import argparse
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
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import (  # noqa: E402
    SECRET,
    TOKEN,
    children,
    drive,
    fresh_database,
    gunicorn,
    signed,
    start_fake_slack,
)
from benchmarks.ingest import FAKE_SLACK, PEOPLE, Stream  # noqa: E402

TARGET_RATIO = 3.0
FLAT_MB = 5.0
HEAVY = ("pandas", "numpy", "matplotlib")
ADMIN = "UP000"
TEAM = "T0BATON"
FORM = "application/x-www-form-urlencoded"


# -- the requests ----------------------------------------------------------------------------


class Mix:
    """One client's requests: 70% message events, then commands, clicks and modals."""

    def __init__(self, number: int, respond_url: str, created: list[int]) -> None:
        self.rng = random.Random(number)
        self.events = Stream(number, seed=3)
        self.respond_url = respond_url
        self.serial = itertools.count(1)
        # How many /escalate and /blocker the clients sent, so a click can name one of them.
        self.created = created

    def next(self) -> tuple[str, dict[str, str]]:
        roll = self.rng.random()
        if roll < 0.70:
            body, extra = self.events.next()
            return body, signed(body, "application/json") | extra
        if roll < 0.80:
            owner = self.rng.choice(PEOPLE)
            self.created[0] += 1
            return self._command("/escalate", f"sev2 <@{owner}> Payments API returns 500 for EU")
        if roll < 0.88:
            waits_on = self.rng.choice(PEOPLE)
            self.created[0] += 1
            return self._command("/blocker", f"Waiting on <@{waits_on}> for staging credentials")
        if roll < 0.93:
            return self._click("escalation_acknowledge", self._known())
        if roll < 0.96:
            return self._click("blocker_resolve", self._known())
        if roll < 0.98:
            title = {"type": "plain_text_input", "value": "Checkout latency above 3 s"}
            severity = {"type": "static_select", "selected_option": {"value": "sev3"}}
            values = {
                "escalation_title": {"value": title},
                "escalation_severity": {"value": severity},
            }
            return self._submit("escalation_create", values, {"channel_id": "CB0000"})
        note = {"type": "plain_text_input", "value": "Credentials arrived"}
        metadata = {"blocker_id": self._known()}
        return self._submit("blocker_resolve_note", {"blocker_note": {"value": note}}, metadata)

    def _known(self) -> int:
        # A number an escalation or a blocker had when this was written (both start at 1).
        return self.rng.randint(1, max(1, self.created[0] // 3))

    def _common(self, user: str) -> dict[str, Any]:
        return {
            "api_app_id": "A0BATON",
            "token": "legacy-verification-token",
            "trigger_id": f"trigger.{next(self.serial)}",
            "team": {"id": TEAM, "domain": "acme"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        }

    def _command(self, command: str, text: str) -> tuple[str, dict[str, str]]:
        user = self.rng.choice(PEOPLE)
        form = {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "channel_id": self.rng.choice(self.events.channels),
            "user_id": user,
            "command": command,
            "text": text,
            "api_app_id": "A0BATON",
            "response_url": self.respond_url,
            "trigger_id": f"trigger.{next(self.serial)}",
        }
        body = urlencode(form)
        return body, signed(body, FORM)

    def _click(self, action_id: str, number: int) -> tuple[str, dict[str, str]]:
        payload = self._common(ADMIN) | {
            "type": "block_actions",
            "container": {"type": "message", "message_ts": "1700000000.000100"},
            "channel": {"id": "CB0000"},
            "response_url": self.respond_url,
            "actions": [{"action_id": action_id, "value": str(number), "type": "button"}],
        }
        body = urlencode({"payload": json.dumps(payload)})
        return body, signed(body, FORM)

    def _submit(
        self, callback_id: str, values: dict[str, Any], metadata: dict[str, Any]
    ) -> tuple[str, dict[str, str]]:
        view = {
            "id": "VMODAL",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": json.dumps(metadata),
            "state": {"values": values},
        }
        payload = self._common(ADMIN) | {"type": "view_submission", "view": view}
        body = urlencode({"payload": json.dumps(payload)})
        return body, signed(body, FORM)


# -- memory ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Process:
    """One process of the server as it stood at a sample."""

    pid: int
    role: str
    pss_kb: int
    rss_kb: int
    heavy: tuple[str, ...]  # which of HEAVY are mapped into it


def _field_kb(path: Path, name: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(name):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _heavy(pid: int) -> tuple[str, ...]:
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return ()
    return tuple(name for name in HEAVY if f"/{name}/" in maps)


def _role(pid: int, master: int) -> str:
    if pid == master:
        return "master"
    try:
        name = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"
    return "drainer" if name == "baton-drainer" else "worker"


def sample(master: int) -> list[Process]:
    """Every process of the server: the master and its children."""
    return [
        Process(
            pid,
            _role(pid, master),
            _field_kb(Path(f"/proc/{pid}/smaps_rollup"), "Pss:"),
            _field_kb(Path(f"/proc/{pid}/status"), "VmRSS:"),
            _heavy(pid),
        )
        for pid in [master, *sorted(children(master))]
    ]


def total_mb(processes: list[Process]) -> float:
    return sum(process.pss_kb for process in processes) / 1024


# -- one app ---------------------------------------------------------------------------------


def run(
    name: str, target: str, env: dict[str, str], args: argparse.Namespace, respond_url: str
) -> list[tuple[int, list[Process]]]:
    """Serve `target`, send the requests, sample the memory after every 5,000."""
    config = "python:bot.gunicorn_config" if target.startswith("bot.") else None
    created = [0]
    sent = itertools.count(1)
    lock = threading.Lock()
    step = args.requests // 4
    samples: list[tuple[int, list[Process]]] = []
    with gunicorn(target, env, args.workers, config) as (process, port):
        for quarter in range(1, 5):

            def requests(
                number: int, quarter: int = quarter
            ) -> Iterator[tuple[str, dict[str, str]]]:
                mix = Mix(number * 10 + quarter, respond_url, created)
                while True:
                    with lock:
                        if next(sent) > step * quarter:
                            return
                    yield mix.next()

            result = drive(name, port, args.clients, requests, warm_up=0.0, seconds=None)
            if result.errors:
                print(f"{name}: {result.errors} errors, first: {result.first_error}")
            time.sleep(2)  # the drainer finishes what the requests promised
            samples.append((step * quarter, sample(process.pid)))
    return samples


def report(name: str, samples: list[tuple[int, list[Process]]]) -> float:
    print(f"\n{name}")
    print(f"{'requests':>9}{'PSS MB':>9}   each process: role pid PSS/RSS MB [heavy libraries]")
    for requests, processes in samples:
        each = "  ".join(
            f"{p.role} {p.pid} {p.pss_kb / 1024:.0f}/{p.rss_kb / 1024:.0f}"
            + (f" [{','.join(p.heavy)}]" if p.heavy else "")
            for p in processes
        )
        print(f"{requests:>9}{total_mb(processes):>9.1f}   {each}")
    return total_mb(samples[-1][1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000, help="requests per app")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per app")
    args = parser.parse_args()

    fake, api_url = start_fake_slack(FAKE_SLACK)
    respond_url = api_url.replace("/api/", "/respond/memory")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BATON_", "SLACK_"))}
    base |= {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "WEB_CONCURRENCY": str(args.workers),
        "BATON_ADMINS": ADMIN,
    }
    print(
        f"{args.requests} requests per app (70% message events, /escalate, /blocker, clicks, "
        f"modals; no /kpi) from {args.clients} clients; gunicorn {args.workers} sync workers, "
        f"--preload; {os.cpu_count()} CPUs"
    )
    try:
        with tempfile.TemporaryDirectory(prefix="baton-memory-") as tmp:
            env = base | {"DATABASE_URL": fresh_database("sqlite", tmp, "baton_memory")}
            bare = report(
                "bare Bolt (acks only)",
                run("bare", "benchmarks.bare_app:wsgi()", env, args, respond_url),
            )
            samples = run("baton", "bot.server:wsgi()", env, args, respond_url)
            baton = report("Baton (Procfile's web: master, workers, drainer)", samples)
    finally:
        fake.stdin.close()
        fake.stdout.readline()
        fake.wait(timeout=10)
    first, last = total_mb(samples[0][1]), total_mb(samples[-1][1])
    heavy = sorted({lib for process in samples[-1][1] for lib in process.heavy})
    ratio = baton / bare if bare else float("inf")
    print()
    print(f"PSS, sum of the processes: Baton {baton:.1f} MB, bare Bolt {bare:.1f} MB: {ratio:.2f}x")
    print(f"Baton from {samples[0][0]} requests to the end: {last - first:+.1f} MB")
    print(
        f"mapped into any of Baton's processes: {', '.join(heavy) or 'none of ' + '/'.join(HEAVY)}"
    )
    holds = ratio <= TARGET_RATIO and abs(last - first) <= FLAT_MB and not heavy
    print(
        f"target (≤ {TARGET_RATIO:g}x the bare app, flat within {FLAT_MB:g} MB, no heavy "
        f"library mapped): {'holds' if holds else 'does NOT hold'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
