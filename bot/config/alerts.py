"""Alert rules and their thresholds: defaults from BOT practice, changed by BATON_ALERTS_FILE.

The file is TOML. Every key is optional; a table per rule may say `enabled = false`:

    channel = "C0ALERTS"          # or channels = ["C0ALERTS", "C0LEADS"]
    repeat = "1d"                 # while a rule stays breached; "never" to post only changes

    [nps_below]
    threshold = 50                # internal NPS of the latest round
    [latency_above_sla]
    threshold = "4bh"             # median business latency; default BATON_RESPONSE_SLA
    [within_sla_below]
    threshold = 0.8               # or "80%"
    [blocker_overdue]
    enabled = true                # a blocker open past BATON_BLOCKER_SLA
    [escalations_per_sprint]
    factor = 1.5                  # escalations this sprint above factor × baseline
    [unacknowledged_escalation]
    severities = ["sev1", "sev2"] # open past their BATON_SEVn_TIMEOUT
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from bot.config.parsing import CHANNEL_ID, CHANNELS_HELP, Env, get, ids, parse
from bot.config.scorecard import DEFAULT_BANDS, KPI_NAMES, Band
from bot.core.durations import Duration, parse_duration
from bot.core.errors import ConfigError
from bot.core.lazy import lazy_module
from bot.core.severity import Severity, parse_severity

if TYPE_CHECKING:
    import tomllib
else:
    # Only an alerts file needs a TOML reader.
    tomllib = lazy_module("tomllib")

NPS_BELOW = "nps_below"
LATENCY_ABOVE_SLA = "latency_above_sla"
WITHIN_SLA_BELOW = "within_sla_below"
BLOCKER_OVERDUE = "blocker_overdue"
ESCALATIONS_PER_SPRINT = "escalations_per_sprint"
UNACKNOWLEDGED_ESCALATION = "unacknowledged_escalation"
# One rule per scorecard KPI: it breaches while the KPI is red.
SCORECARD_RULE = "scorecard_"
SCORECARD_RULES = tuple(SCORECARD_RULE + kpi for kpi in KPI_NAMES)
RULES = (
    NPS_BELOW,
    LATENCY_ABOVE_SLA,
    WITHIN_SLA_BELOW,
    BLOCKER_OVERDUE,
    ESCALATIONS_PER_SPRINT,
    UNACKNOWLEDGED_ESCALATION,
    *SCORECARD_RULES,
)

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
_NEVER = ("never", "off", "no", "0")


@dataclass(frozen=True)
class AlertRules:
    """Thresholds of the alert rules, which rules are on, where alerts go, how often."""

    nps_below: float = 50.0
    latency_above: Duration | None = None  # None: the response SLA
    within_sla_below: float = 0.8
    escalations_factor: float = 1.5
    unacknowledged_severities: frozenset[Severity] = frozenset({Severity.SEV1, Severity.SEV2})
    disabled: frozenset[str] = frozenset()
    channels: tuple[str, ...] = ()
    repeat: Duration | None = parse_duration("1d")
    # The scorecard's bands, in the same file as the rules that breach on them.
    bands: Mapping[str, Band] = field(default_factory=lambda: DEFAULT_BANDS)

    def enabled(self, rule: str) -> bool:
        return rule not in self.disabled


def parse_repeat(raw: str) -> Duration | None:
    """A duration such as 1d or 12h; None for `never`."""
    if raw.strip().lower() in _NEVER:
        return None
    return parse_duration(raw)


def _rate(value: Any) -> float:
    if isinstance(value, str) and value.strip().endswith("%"):
        rate = float(value.strip()[:-1]) / 100
    elif isinstance(value, int | float) and not isinstance(value, bool):
        rate = float(value) / 100 if value > 1 else float(value)
    else:
        raise ValueError(f'{value!r} is not a rate such as 0.8 or "80%"')
    if not 0 <= rate <= 1:
        raise ValueError(f"{value!r} is not between 0 and 100%")
    return rate


def _number(value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{value!r} is not a number")
    if not low <= value <= high:
        raise ValueError(f"{value!r} is not between {low:g} and {high:g}")
    return float(value)


def _channels(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ValueError("channel: expected a channel id or a list of them")
    for item in items:
        if not isinstance(item, str) or not _CHANNEL_ID.match(item):
            raise ValueError(f"channel: {item!r} is not a channel id such as C012AB3CD")
    return tuple(items)


_RULE_KEYS = {
    NPS_BELOW: {"enabled", "threshold"},
    LATENCY_ABOVE_SLA: {"enabled", "threshold"},
    WITHIN_SLA_BELOW: {"enabled", "threshold"},
    BLOCKER_OVERDUE: {"enabled"},
    ESCALATIONS_PER_SPRINT: {"enabled", "factor"},
    UNACKNOWLEDGED_ESCALATION: {"enabled", "severities"},
    **{
        SCORECARD_RULE + kpi: {"enabled", "green", "amber"}
        | ({"sprints"} if band.sprints else set())
        | ({"days"} if band.days else set())
        for kpi, band in DEFAULT_BANDS.items()
    },
}


def _band(band: Band, table: Mapping[str, Any]) -> Band:
    """`band` with the lines and the window a scorecard KPI's table changes."""
    changes: dict[str, Any] = {}
    for line in ("green", "amber"):
        if line in table:
            changes[line] = _number(table[line], -1e9, 1e9)
    for window, most in (("sprints", 52), ("days", 365)):
        if window in table:
            count = table[window]
            if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= most:
                raise ValueError(f"{window}: expected a whole number from 1 to {most}")
            changes[window] = count
    return replace(band, **changes)


def rules_from_mapping(data: Mapping[str, Any]) -> AlertRules:
    """Alert rules from a parsed TOML document; ValueError naming the key that is wrong."""
    values: dict[str, Any] = {}
    disabled: set[str] = set()
    bands = dict(DEFAULT_BANDS)
    for key, value in data.items():
        if key in ("channel", "channels"):
            values["channels"] = _channels(value)
        elif key == "repeat":
            if not isinstance(value, str):
                raise ValueError('repeat: expected a duration such as "1d" or "never"')
            values["repeat"] = parse_repeat(value)
        elif key in _RULE_KEYS:
            if not isinstance(value, dict):
                raise ValueError(f"[{key}] must be a table")
            unknown = set(value) - _RULE_KEYS[key]
            if unknown:
                raise ValueError(f"[{key}] has unknown keys: {', '.join(sorted(unknown))}")
            enabled = value.get("enabled", True)
            if not isinstance(enabled, bool):
                raise ValueError(f"[{key}] enabled: expected true or false")
            if not enabled:
                disabled.add(key)
            try:
                if key in SCORECARD_RULES:
                    kpi = key.removeprefix(SCORECARD_RULE)
                    bands[kpi] = _band(bands[kpi], value)
                else:
                    _rule_values(key, value, values)
            except KeyError as exc:
                raise ValueError(f"[{key}] unknown severity {exc}") from None
            except (ValueError, TypeError) as exc:
                raise ValueError(f"[{key}] {exc}") from None
        else:
            raise ValueError(f"unknown key {key!r}; rules are {', '.join(RULES)}")
    return AlertRules(disabled=frozenset(disabled), bands=MappingProxyType(bands), **values)


def _rule_values(key: str, table: Mapping[str, Any], values: dict[str, Any]) -> None:
    if key == NPS_BELOW and "threshold" in table:
        values["nps_below"] = _number(table["threshold"], -100, 100)
    elif key == LATENCY_ABOVE_SLA and "threshold" in table:
        values["latency_above"] = parse_duration(str(table["threshold"]))
    elif key == WITHIN_SLA_BELOW and "threshold" in table:
        values["within_sla_below"] = _rate(table["threshold"])
    elif key == ESCALATIONS_PER_SPRINT and "factor" in table:
        values["escalations_factor"] = _number(table["factor"], 0.1, 100)
    elif key == UNACKNOWLEDGED_ESCALATION and "severities" in table:
        severities = table["severities"]
        if not isinstance(severities, list) or not severities:
            raise ValueError('severities: expected a list such as ["sev1", "sev2"]')
        values["unacknowledged_severities"] = frozenset(
            parse_severity(str(item)) for item in severities
        )


def load_rules(path: str) -> AlertRules:
    """Read BATON_ALERTS_FILE; ValueError with what is wrong (the caller names the variable)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read {path} ({exc.strerror or exc.__class__.__name__})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} is not valid TOML ({exc})") from None
    try:
        return rules_from_mapping(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


@dataclass(frozen=True)
class AlertSettings:
    """BATON_ALERTS_FILE, BATON_ALERT_CHANNEL, BATON_ALERT_REPEAT."""

    rules: AlertRules = AlertRules()
    # Where alerts go: BATON_ALERT_CHANNEL, else the alerts file's channel, else the digest's.
    channels: tuple[str, ...] = ()
    repeat: Duration | None = AlertRules.repeat

    @classmethod
    def from_env(cls, env: Env, digest_channels: tuple[str, ...]) -> AlertSettings:
        path = get(env, "BATON_ALERTS_FILE")
        rules = _rules_file(path) if path else AlertRules()
        channels = parse(env, "BATON_ALERT_CHANNEL", ids(CHANNEL_ID), CHANNELS_HELP)
        repeat = rules.repeat
        if get(env, "BATON_ALERT_REPEAT") is not None:
            repeat = parse(
                env, "BATON_ALERT_REPEAT", parse_repeat, "a duration such as 1d or 12h, or never"
            )
        return cls(rules, channels or rules.channels or digest_channels, repeat)


def _rules_file(path: str) -> AlertRules:
    try:
        return load_rules(path)
    except ValueError as exc:
        raise ConfigError("BATON_ALERTS_FILE", str(exc).replace("\n", " ")) from None
