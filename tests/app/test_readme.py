"""The README is the whole reference: it names no file outside the repository, and every key a
script reads from `baton kpi … --json` is written in it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.app.test_cli import run_baton
from tests.app.test_demo import run_demo

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Keys whose names are data, documented as a family: sev1…sev4, channel ids, directions.
DATA_KEYS = re.compile(r"^(sev[1-4]|C[A-Z0-9]+|[a-z]+→[a-z]+|[a-z_]+ [a-z_]+)$")


def test_the_readme_names_no_file_outside_the_repository() -> None:
    assert "DESIGN.md" not in README and "../shared" not in README
    for target in re.findall(r"\]\(([^)#][^)]*)\)", README):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        assert (ROOT / target).exists(), f"the README links {target}, which is not here"
    for path in re.findall(r"`((?:bot|storage|handlers|tests|benchmarks)/[\w/.-]+)`", README):
        assert (ROOT / path).exists(), f"the README names {path}, which is not here"


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield str(key)
            yield from _keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner)


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("readme")
    done = run_demo(folder)
    assert done.returncode == 0, done.stderr
    return f"sqlite:///{folder / 'baton-demo' / 'baton-demo.db'}"


@pytest.mark.parametrize(
    "args",
    [
        ("kpi", "summary", "--days", "365", "--json"),
        ("kpi", "escalations", "--days", "365", "--json"),
        ("kpi", "blockers", "--days", "365", "--json"),
        ("kpi", "latency", "--days", "365", "--json"),
        ("kpi", "nps", "--days", "365", "--json"),
        ("kpi", "scorecard", "--json"),
    ],
)
def test_every_json_key_a_script_reads_is_in_the_readme(
    demo_database: str, args: tuple[str, ...], tmp_path: Path
) -> None:
    env = {
        "DATABASE_URL": demo_database,
        "BATON_OPERATE_START": "2026-08-31",
        "BATON_TRANSFER_DATE": "2027-05-03",
    }
    printed = run_baton(*args, env=env, cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    keys = {key for key in _keys(json.loads(printed.stdout)) if not DATA_KEYS.match(key)}
    assert keys, "the answer has keys"
    missing = sorted(key for key in keys if f"`{key}`" not in README)
    assert missing == [], f"`baton {' '.join(args)}` keys the README does not name: {missing}"
