""".env.example: every setting Baton reads, each with the default Baton really uses.

The settings are not listed here: they are the names `load_settings` asks its environment
for (with two sides configured, so the per-side ones are asked for too), plus any name the code
reads from `os.environ` directly. A per-side setting such as BATON_SIDE_PARTNER_TIMEZONE is
listed once, as BATON_SIDE_<NAME>_TIMEZONE.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.config.settings import Settings, load_settings
from bot.core.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = REPO / ".env.example"
CONFIG = REPO / "bot" / "config"
SOURCE_DIRS = ("bot", "handlers", "storage")

BASE = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "secret"}
SIDE_NAMES = ("alpha", "beta")
WITH_SIDES = BASE | {"BATON_SIDES": ",".join(f"{name}=@{name}-team" for name in SIDE_NAMES)}
SIDE_TEMPLATE = "BATON_SIDE_<NAME>_"

# The interfaces the README promises outside the BATON_ prefix.
DOCUMENTED_PLATFORM_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "DATABASE_URL",
    "PORT",
    "WEB_CONCURRENCY",
)

_SETTING_LINE = re.compile(r"^(?P<comment># )?(?P<name>[A-Z][A-Z0-9_<>]*)=(?P<value>.*)$")
_EXAMPLE_LINE = re.compile(r"^# Example: (?P<name>[A-Z][A-Z0-9_]*)=(?P<value>\S.*)$")
_ASSIGNMENT = re.compile(r"\b[A-Z][A-Z0-9_<>]*=")
_BATON_NAME = re.compile(r"\bBATON_[A-Z0-9_<>]*[A-Z0-9>]")


@dataclass(frozen=True)
class Shown:
    """One `NAME=value` line of .env.example; commented out, it shows an optional default."""

    line: int
    name: str
    value: str
    optional: bool


class _RecordingEnv(dict[str, str]):
    """An environment that notes every name asked of it."""

    def __init__(self, values: Mapping[str, str], asked: set[str]) -> None:
        super().__init__(values)
        self.asked = asked

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.asked.add(key)
        return super().__contains__(key)


def _as_template(name: str) -> str:
    for side in SIDE_NAMES:
        prefix = f"BATON_SIDE_{side.upper()}_"
        if name.startswith(prefix):
            return SIDE_TEMPLATE + name.removeprefix(prefix)
    return name


@cache
def _read_by_load_settings() -> frozenset[str]:
    asked: set[str] = set()
    load_settings(_RecordingEnv(WITH_SIDES, asked))
    return frozenset(_as_template(name) for name in asked)


@cache
def _environ_reads() -> dict[str, str | None]:
    """Names the code reads from os.environ itself (not through Settings), with their defaults."""
    found: dict[str, str | None] = {}
    for directory in SOURCE_DIRS:
        for path in sorted((REPO / directory).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and _reads_environ(node.func) and node.args:
                    name = node.args[0]
                    default = node.args[1] if len(node.args) > 1 else None
                elif isinstance(node, ast.Subscript) and _is_environ(node.value):
                    name, default = node.slice, None
                else:
                    continue
                if isinstance(name, ast.Constant) and isinstance(name.value, str):
                    value = default.value if isinstance(default, ast.Constant) else None
                    found[name.value] = None if value is None else str(value)
    return found


def _is_environ(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def _reads_environ(func: ast.expr) -> bool:
    """os.environ.get(…), os.getenv(…) or getenv(…)."""
    if isinstance(func, ast.Attribute):
        return func.attr == "getenv" or (func.attr == "get" and _is_environ(func.value))
    return isinstance(func, ast.Name) and func.id == "getenv"


def _settings_read() -> frozenset[str]:
    return _read_by_load_settings() | set(_environ_reads())


def _normalise(name: str) -> str:
    """A side's setting named in an example, BATON_SIDE_PARTNER_TIMEZONE, as its template."""
    templates = [t for t in _read_by_load_settings() if t.startswith(SIDE_TEMPLATE)]
    for template in templates:
        suffix = template.removeprefix(SIDE_TEMPLATE)
        if re.fullmatch(rf"BATON_SIDE_[A-Z0-9_]+_{re.escape(suffix)}", name):
            return template
    return name


def _shown() -> list[Shown]:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    return [
        Shown(number, match["name"], match["value"], optional=bool(match["comment"]))
        for number, text in enumerate(lines, 1)
        if (match := _SETTING_LINE.match(text))
    ]


def _shown_names() -> set[str]:
    return {shown.name for shown in _shown()}


def _differing_fields(a: Settings, b: Settings) -> list[str]:
    return [
        f.name
        for f in dataclasses.fields(Settings)
        # `source`, the variables read, differs whenever one does: it is no setting itself.
        if f.compare and getattr(a, f.name) != getattr(b, f.name)
    ]


def _defaults_in_config() -> dict[str, str]:
    """The default of each setting, as bot/config/ writes it: the default of the field a part
    reads the variable into (`"field": Variable("NAME", …)`), or `parse(env, "NAME", …) or X`."""
    defaults: dict[str, str] = {}
    for path in sorted(CONFIG.glob("*.py")):
        module = importlib.import_module(f"bot.config.{path.stem}")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                part = getattr(module, node.name)
                for variable, field in _variables_of(node):
                    defaults[variable] = repr(_field_default(part, field))
            elif isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
                first, fallback = node.values[0], node.values[-1]
                if (
                    isinstance(first, ast.Call)
                    and isinstance(first.func, ast.Name)
                    and first.func.id in ("parse", "get")
                    and len(first.args) > 1
                    and isinstance(first.args[1], ast.Constant)
                    and not _is_empty(fallback)
                ):
                    defaults[str(first.args[1].value)] = ast.unparse(fallback)
    return defaults


def _variables_of(part: ast.ClassDef) -> Iterator[tuple[str, str]]:
    """(variable, field) for each `"field": Variable("NAME", …)` in a settings part's class."""
    for node in ast.walk(part):
        if not isinstance(node, ast.Dict):
            continue
        for key, value in zip(node.keys, node.values, strict=True):
            if (
                isinstance(key, ast.Constant)
                and isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id == "Variable"
                and isinstance(value.args[0], ast.Constant)
            ):
                yield str(value.args[0].value), str(key.value)


def _field_default(part: type, name: str) -> object:
    [field] = [f for f in dataclasses.fields(part) if f.name == name]
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return field.default


def _is_empty_default(text: str) -> bool:
    return text in ("None", "()", "''", "frozenset()", "{}", "mappingproxy({})")


def _is_empty(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return node.value is None or node.value == ""
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return not node.elts
    if isinstance(node, ast.Dict):
        return not node.keys
    return isinstance(node, ast.Call) and ast.unparse(node) in ("frozenset()", "set()", "dict()")


def _blocks_without_meaning() -> Iterator[Shown]:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for shown in _shown():
        above = shown.line - 2
        while above >= 0 and _SETTING_LINE.match(lines[above]):
            above -= 1
        text = lines[above] if above >= 0 else ""
        if not text.startswith("# ") or text.startswith("# ---"):
            yield shown


def test_the_settings_baton_reads_include_the_documented_platform_variables() -> None:
    # Also proves the recording sees load_settings at work, so the tests below are not vacuous.
    assert set(DOCUMENTED_PLATFORM_VARIABLES) <= _settings_read()
    assert SIDE_TEMPLATE + "TIMEZONE" in _settings_read()


def test_every_setting_baton_reads_is_in_env_example() -> None:
    missing = sorted(_settings_read() - _shown_names())
    assert missing == [], f"add these to .env.example with their default: {missing}"


def test_env_example_names_no_variable_baton_does_not_read() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    named = {_normalise(name) for name in _BATON_NAME.findall(text)} | _shown_names()
    unknown = sorted(named - _settings_read())
    assert unknown == [], f".env.example names variables Baton never reads: {unknown}"


def test_env_example_lists_each_setting_once() -> None:
    names = [shown.name for shown in _shown()]
    assert sorted({name for name in names if names.count(name) > 1}) == []


def test_each_setting_in_env_example_has_a_one_line_meaning_above_it() -> None:
    bare = [f"line {shown.line}: {shown.name}" for shown in _blocks_without_meaning()]
    assert bare == []


def _refused_variable(env: Mapping[str, str]) -> str | None:
    try:
        load_settings(env)
    except ConfigError as exc:
        return exc.variable
    return None


def test_the_uncommented_lines_are_exactly_the_required_settings() -> None:
    required = {shown.name: shown.value for shown in _shown() if not shown.optional}
    assert _refused_variable(required) is None, "a placeholder of .env.example is refused"
    for name in required:
        without = {key: value for key, value in required.items() if key != name}
        assert _refused_variable(without) == name, f"{name} is optional: comment it out"


def _default_problem(shown: Shown) -> str | None:
    """Why `shown` is not Baton's default, or None when it is."""
    env, name = BASE, shown.name
    if name.startswith(SIDE_TEMPLATE):
        env, name = WITH_SIDES, name.replace("<NAME>", SIDE_NAMES[0].upper())
    if shown.name in _read_by_load_settings():
        try:
            changed = _differing_fields(
                load_settings(env | {name: shown.value}), load_settings(env)
            )
        except ConfigError as exc:
            return f"Baton refuses it: {exc}"
        if changed:
            return f"it changes {changed} from their defaults"
    default = _environ_reads().get(shown.name)
    if default is not None and default != shown.value:
        return f"the code's default is {default}"
    return None


def test_defaults_shown_in_env_example_are_the_defaults_baton_uses() -> None:
    wrong = {
        f"{shown.name}={shown.value}": problem
        for shown in _shown()
        if shown.optional and shown.value and (problem := _default_problem(shown))
    }
    assert wrong == {}, "these lines of .env.example do not show Baton's default"


def test_settings_shown_empty_have_no_default_in_config() -> None:
    defaults = _defaults_in_config()
    # Also proves the reading of bot/config/ finds the settings, so the test is not vacuous.
    assert {"BATON_BLOCKER_SLA", "BATON_ESCALATION_OWNER", "BATON_LOG_LEVEL"} <= set(defaults)
    hidden = {
        shown.name: defaults[shown.name]
        for shown in _shown()
        if shown.optional
        and not shown.value
        and shown.name in defaults
        and not _is_empty_default(defaults[shown.name])
    }
    assert hidden == {}, "show these defaults in .env.example instead of an empty value"


def test_side_settings_left_empty_follow_the_team_settings() -> None:
    settings = load_settings(WITH_SIDES)
    assert [side.name for side in settings.latency.sides] == list(SIDE_NAMES)
    assert all(side.calendar == settings.calendar for side in settings.latency.sides)


def test_examples_in_env_example_are_marked_and_accepted_by_baton() -> None:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    unmarked = [
        f"line {number}: {text}"
        for number, text in enumerate(lines, 1)
        if _ASSIGNMENT.search(text) and not _SETTING_LINE.match(text)
        if not _EXAMPLE_LINE.match(text)
    ]
    assert unmarked == [], 'write examples as "# Example: NAME=value"'
    examples = {m["name"]: m["value"] for text in lines if (m := _EXAMPLE_LINE.match(text))}
    load_settings(BASE | examples)
