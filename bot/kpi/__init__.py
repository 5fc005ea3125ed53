"""The KPI engine over data frames, and `/kpi`: its answers, comparisons and messages."""
