"""The benchmarks import Baton's functions inside their measurements, where no test runs them: a
rename in Baton must not leave a benchmark that fails only when someone measures."""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
OURS = ("bot", "handlers", "storage")


def _imports() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(BENCHMARKS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in OURS:
                found += [(path.name, node.module or "", alias.name) for alias in node.names]
    return found


@pytest.mark.parametrize(("benchmark", "module", "name"), _imports())
def test_every_name_a_benchmark_imports_from_baton_exists(
    benchmark: str, module: str, name: str
) -> None:
    imported = importlib.import_module(module)
    assert hasattr(imported, name) or importlib.util.find_spec(f"{module}.{name}"), (
        f"{benchmark}: {module} has no {name}"
    )
