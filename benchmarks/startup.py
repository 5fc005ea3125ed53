"""How fast the `baton` command starts, next to Python doing the least it must, in one run.

Two pairs, each run side by side (the two commands alternate) --runs times, medians printed:

- `baton --help` against `python3 -c pass`: the command line itself must cost next to nothing
  (target: at most 0.15 s more);
- `baton kpi escalations --json` on a migrated database with no rows against
  `python3 -c "import pandas, sqlalchemy"`, the two libraries that answer needs (target: at most
  1.3× as long).

    python benchmarks/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import fresh_database  # noqa: E402

HELP_MARGIN_SECONDS = 0.15
KPI_RATIO = 1.3


def timed(command: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def side_by_side(
    first: list[str], second: list[str], env: dict[str, str], runs: int
) -> tuple[float, float]:
    """Medians of `runs` runs of each, alternating, after one unmeasured run of each."""
    timed(first, env), timed(second, env)
    a, b = [], []
    for _ in range(runs):
        a.append(timed(first, env))
        b.append(timed(second, env))
    return statistics.median(a), statistics.median(b)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    baton = shutil.which("baton")
    if baton is None:
        raise SystemExit("`baton` is not on PATH: pip install -e . in this environment first")
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="baton-startup-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BATON_", "SLACK_"))}
        env["DATABASE_URL"] = fresh_database("sqlite", tmp, "baton_startup")
        bare, helped = side_by_side([python, "-c", "pass"], [baton, "--help"], env, args.runs)
        imports, kpi = side_by_side(
            [python, "-c", "import pandas, sqlalchemy"],
            [baton, "kpi", "escalations", "--json"],
            env,
            args.runs,
        )
    print(f"medians of {args.runs} runs, side by side, {os.cpu_count()} CPUs")
    print(f"  python3 -c pass                         {bare * 1000:7.0f} ms")
    print(f"  baton --help                            {helped * 1000:7.0f} ms")
    holds = helped - bare <= HELP_MARGIN_SECONDS
    print(
        f"  difference {1000 * (helped - bare):+.0f} ms; target at most "
        f"+{HELP_MARGIN_SECONDS * 1000:.0f} ms: {'holds' if holds else 'does NOT hold'}"
    )
    print(f'  python3 -c "import pandas, sqlalchemy"  {imports * 1000:7.0f} ms')
    print(f"  baton kpi escalations --json (no rows)  {kpi * 1000:7.0f} ms")
    ratio = kpi / imports
    print(
        f"  ratio {ratio:.2f}x; target at most {KPI_RATIO}x: "
        f"{'holds' if ratio <= KPI_RATIO else 'does NOT hold'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
