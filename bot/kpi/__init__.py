"""The KPI engine: pure functions over data frames, one module per KPI family."""
