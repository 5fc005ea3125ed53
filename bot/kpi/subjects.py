"""What `/kpi` and `baton kpi` answer about, by name; no engine here, so naming them is cheap."""

from __future__ import annotations

# The KPI families, in the order `summary` and the digest show them.
FAMILY_NAMES = ("escalations", "blockers", "latency", "nps")
SUBJECTS = ("summary", *FAMILY_NAMES)
FAMILY_TITLES = {
    "escalations": "Escalations",
    "blockers": "Blockers",
    "latency": "Response latency",
    "nps": "Internal NPS",
}
# `/kpi chart SUBJECT`: escalations and blockers share one chart.
CHART_SUBJECTS = ("latency", "escalations", "blockers", "nps")
