"""The digest's charts as PNG bytes: matplotlib Figures drawn off-screen, never pyplot.

Each chart stands on its own for someone who has never seen Baton: a title saying what is
measured, axis labels with units, dates on the x axis, a legend, and the line that matters
(the SLA, the alert line, NPS 50) drawn and named. Weeks without data are gaps, not zeros.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from bot.core.lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from matplotlib import dates as mdates
    from matplotlib import figure as mfigure
    from matplotlib import ticker
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
else:
    np = lazy_module("numpy")
    pd = lazy_module("pandas")
    mdates = lazy_module("matplotlib.dates")
    mfigure = lazy_module("matplotlib.figure")
    ticker = lazy_module("matplotlib.ticker")

WIDTH_IN, DPI = 12.0, 100  # 1200 px wide
COLORS = {
    "median": "#1f77b4",
    "p90": "#ff7f0e",
    "line": "#d62728",
    "baseline": "#7f7f7f",
    "opened": "#d62728",
    "resolved": "#2ca02c",
    "overdue": "#ffbb78",
    "rate": "#9467bd",
    "score": "#1f77b4",
    "response": "#aec7e8",
}


@dataclass(frozen=True)
class Chart:
    """A chart ready to upload: a file name, a title, alt text, the PNG (and its figure)."""

    name: str
    filename: str
    title: str
    alt_text: str
    png: bytes
    figure: Figure | None = field(default=None, repr=False, compare=False)


def _figure(
    height_in: float, rows: int = 1, *, bottom_in: float = 0.75
) -> tuple[Figure, list[Axes]]:
    """A figure with fixed margins: room for the title on top and the legends on the right.

    Fixed margins, not a layout engine: measuring every label to place them would cost more
    than drawing the chart.
    """
    figure = mfigure.Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    figure.subplots_adjust(
        left=0.75 / WIDTH_IN,
        right=1 - 3.1 / WIDTH_IN,
        top=1 - 0.85 / height_in,
        bottom=bottom_in / height_in,
        hspace=0.38,
    )
    axes = [figure.add_subplot(rows, 1, n + 1) for n in range(rows)]
    return figure, axes


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    # No bbox_inches="tight": it would crop the canvas below the promised 1200 px.
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _dates(index: pd.Index) -> np.ndarray:
    """Calendar days as datetime64, which matplotlib puts on a date axis."""
    return np.array([pd.Timestamp(moment).date() for moment in index], dtype="datetime64[D]")


def _day(day: date) -> np.datetime64:
    return np.datetime64(day, "D")


def _week_axis(axis: Axes, mondays: Sequence[date] | np.ndarray, label: bool = True) -> None:
    """Dates on the x axis: one tick per Monday (fewer when there are many weeks)."""
    if len(mondays):
        first, last = pd.Timestamp(mondays[0]).date(), pd.Timestamp(mondays[-1]).date()
        # matplotlib's date axis takes datetime64 limits; its stubs only say float.
        axis.set_xlim(
            _day(first - timedelta(days=4)),  # type: ignore[arg-type]
            _day(last + timedelta(days=4)),  # type: ignore[arg-type]
        )
    interval = max(1, -(-len(mondays) // 13))
    locator = mdates.WeekdayLocator(byweekday=mdates.MO, interval=interval)  # type: ignore[no-untyped-call]
    axis.xaxis.set_major_locator(locator)
    axis.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))  # type: ignore[no-untyped-call]
    if label:
        axis.set_xlabel(f"Week starting (Monday), {_years(mondays)}")
    axis.grid(True, axis="both", alpha=0.3)


def _month_axis(axis: Axes, days: np.ndarray) -> None:
    """Dates on the x axis a month apart, for spans of months."""
    first, last = pd.Timestamp(days.min()).date(), pd.Timestamp(days.max()).date()
    axis.set_xlim(
        _day(first - timedelta(days=10)),  # type: ignore[arg-type]
        _day(last + timedelta(days=10)),  # type: ignore[arg-type]
    )
    months = (last.year - first.year) * 12 + last.month - first.month
    locator = mdates.MonthLocator(interval=max(1, -(-months // 12)))  # type: ignore[no-untyped-call]
    axis.xaxis.set_major_locator(locator)
    axis.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))  # type: ignore[no-untyped-call]
    axis.grid(True, axis="both", alpha=0.3)


def _years(days: Sequence[date] | np.ndarray) -> str:
    if not len(days):
        return ""
    first, last = pd.Timestamp(days[0]).year, pd.Timestamp(days[-1]).year
    return str(first) if first == last else f"{first}–{last}"


def _legend(axis: Axes, handles: list[Any] | None = None, labels: list[str] | None = None) -> None:
    """The legend to the right of the plot, where it never hides a point."""
    if handles is None or labels is None:
        handles, labels = axis.get_legend_handles_labels()
    axis.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)


def _headroom(axis: Axes, *series: np.ndarray) -> None:
    values = [float(np.nanmax(s)) for s in series if len(s) and not np.isnan(s).all()]
    top = max(values) if values else 1.0
    axis.set_ylim(0, max(top * 1.15, 1.0))


def _no_data(axis: Axes, text: str) -> None:
    axis.text(
        0.5,
        0.5,
        text,
        transform=axis.transAxes,
        ha="center",
        va="center",
        fontsize=14,
        color="#555555",
    )


def _hours(seconds: pd.Series) -> np.ndarray:
    return np.asarray(seconds.to_numpy(dtype=float) / 3600)


def latency_chart(
    weekly: pd.DataFrame,
    *,
    sla_seconds: float,
    sla_text: str,
    within_threshold: float,
    business: bool = True,
    subtitle: str = "",
) -> Chart:
    """Median and 90th percentile wait per week against the SLA; within-SLA rate below."""
    figure, (top, bottom) = _figure(8.5, rows=2)
    mondays = _dates(weekly.index)
    kind = "business" if business else "wall-clock"
    median_key = "median_business_seconds" if business else "median_seconds"
    p90_key = "p90_business_seconds" if business else "p90_seconds"
    top.plot(
        mondays, _hours(weekly[median_key]), marker="o", color=COLORS["median"], label="Median wait"
    )
    top.plot(
        mondays,
        _hours(weekly[p90_key]),
        marker="s",
        linestyle="--",
        color=COLORS["p90"],
        label="90th percentile wait\n(1 in 10 waits longer)",
    )
    top.axhline(
        sla_seconds / 3600, color=COLORS["line"], linewidth=2, label=f"Response SLA: {sla_text}"
    )
    top.set_ylabel(f"Wait for an answer ({kind} hours)")
    _headroom(
        top, _hours(weekly[median_key]), _hours(weekly[p90_key]), np.array([sla_seconds / 3600])
    )
    top.set_title("How long a question waits for its first answer, per week", loc="left")
    _week_axis(top, mondays, label=False)
    _legend(top)
    if weekly[median_key].isna().all():
        _no_data(top, "No answered questions in these weeks")

    rate = weekly["within_sla_rate"].to_numpy(dtype=float) * 100
    bottom.plot(
        mondays, rate, marker="o", color=COLORS["rate"], label="Questions answered within the SLA"
    )
    bottom.axhline(
        within_threshold * 100,
        color=COLORS["line"],
        linewidth=2,
        linestyle="--",
        label=f"Alert below {within_threshold * 100:.0f}%",
    )
    bottom.set_ylim(0, 105)
    bottom.yaxis.set_major_formatter(ticker.PercentFormatter())
    bottom.set_ylabel("Answered within SLA (%)")
    bottom.set_title("Share of questions answered within the SLA, per week", loc="left")
    _week_axis(bottom, mondays)
    _legend(bottom)
    figure.suptitle(
        "Response latency" + (f" · {subtitle}" if subtitle else ""), fontsize=15, weight="bold"
    )
    return Chart(
        name="latency",
        filename="latency.png",
        title="Response latency per week",
        alt_text=(
            f"Median and 90th percentile response time per week in {kind} hours against the "
            f"{sla_text} SLA, and the share of questions answered within it."
        ),
        png=_png(figure),
        figure=figure,
    )


def _opened_and_resolved(
    axis: Axes,
    frame: pd.DataFrame,
    *,
    opened: str,
    baseline: float | None,
) -> np.ndarray:
    """Lines of opened and resolved per week, and the baseline; the weeks' dates."""
    mondays = _dates(frame.index)
    for key, label, marker in (("opened", opened, "o"), ("resolved", "Resolved", "s")):
        values = frame[key].to_numpy(dtype=float)
        axis.plot(mondays, values, marker=marker, color=COLORS[key], label=label)
    if baseline is not None:
        label = f"Baseline: {baseline:g} {opened.lower()} a week"
        axis.axhline(baseline, color=COLORS["baseline"], linestyle=":", linewidth=2, label=label)
    return mondays


def _counts_panel(
    axis: Axes, frame: pd.DataFrame, *, ylabel: str, title: str, also: Sequence[np.ndarray] = ()
) -> None:
    """Axis label, room above every series (`also`: lines drawn besides the frame's), whole
    numbers, the title, and a note when nothing was recorded."""
    axis.set_ylabel(ylabel)
    _headroom(axis, *(frame[key].to_numpy(dtype=float) for key in frame.columns), *also)
    axis.yaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    axis.set_title(title, loc="left")
    if frame["opened"].isna().all():
        _no_data(axis, "Nothing recorded in these weeks")


def activity_chart(
    escalations: pd.DataFrame,
    blockers: pd.DataFrame,
    *,
    escalation_baseline: float | None,
    alert_factor: float,
    blocker_baseline: float | None,
    subtitle: str = "",
) -> Chart:
    """Escalations and blockers opened and resolved per week, with baselines and alert line."""
    figure, (top, bottom) = _figure(8.5, rows=2)
    mondays = _opened_and_resolved(
        top,
        escalations,
        opened="Opened",
        baseline=escalation_baseline,
    )
    if escalation_baseline is not None:
        top.axhline(
            escalation_baseline * alert_factor,
            color=COLORS["line"],
            linestyle="--",
            linewidth=2,
            label=f"Alert line: {alert_factor:g} × baseline",
        )
    _counts_panel(
        top,
        escalations[["opened", "resolved"]],
        ylabel="Escalations per week",
        title="Escalations opened and resolved, per week",
        also=[np.array([(escalation_baseline or 0) * alert_factor])],
    )
    _week_axis(top, mondays, label=False)
    _legend(top)

    bottom.bar(
        _dates(blockers.index),
        blockers["overdue"].to_numpy(dtype=float),
        width=4,
        color=COLORS["overdue"],
        label="Open past the SLA\nat the week's end",
    )
    blocker_mondays = _opened_and_resolved(
        bottom,
        blockers,
        opened="Raised",
        baseline=blocker_baseline,
    )
    _counts_panel(
        bottom,
        blockers[["opened", "resolved", "overdue"]],
        ylabel="Blockers per week",
        title="Blockers raised and resolved, per week",
    )
    _week_axis(bottom, blocker_mondays)
    _legend(bottom)
    figure.suptitle(
        "Escalations and blockers" + (f" · {subtitle}" if subtitle else ""),
        fontsize=15,
        weight="bold",
    )
    return Chart(
        name="activity",
        filename="escalations-blockers.png",
        title="Escalations and blockers per week",
        alt_text=(
            "Escalations opened and resolved per week with their baseline and alert line; "
            "blockers raised and resolved per week, and those open past the SLA."
        ),
        png=_png(figure),
        figure=figure,
    )


# How far the NPS axis reaches past the scores; and 0 stays in view when this close to them.
NPS_MARGIN = 15
NPS_ZERO_WITHIN = 30


def nps_limits(scores: Sequence[float], threshold: float) -> tuple[float, float]:
    """The NPS axis: the scores and the threshold line with a margin, 0 too when the scores come
    within 30 points of it; the whole −100…+100 when there is no score."""
    if not scores:
        return -100.0, 110.0
    low = min(min(scores), threshold)
    high = max(max(scores), threshold)
    if low <= NPS_ZERO_WITHIN:
        low = min(low, 0.0)
    # Up to 110: room for the label above a score of 100.
    return max(-100.0, low - NPS_MARGIN), min(110.0, high + NPS_MARGIN)


def nps_chart(
    rounds: pd.DataFrame,
    *,
    threshold: float,
    mondays: Sequence[date] | np.ndarray,
    subtitle: str = "",
) -> Chart:
    """NPS per round with the line at `threshold` (50), and each round's response rate."""
    figure, (axis,) = _figure(6.5, bottom_in=1.05)
    # No legend column on the right here: the response-rate axis is there.
    figure.subplots_adjust(right=1 - 0.95 / WIDTH_IN)
    starts = _dates(rounds.index)
    rates = axis.twinx()
    rates.bar(
        starts,
        rounds["response_rate"].to_numpy(dtype=float) * 100,
        width=3,
        color=COLORS["response"],
        alpha=0.6,
        label="Response rate (right axis)",
    )
    rates.set_ylim(0, 100)
    rates.yaxis.set_major_formatter(ticker.PercentFormatter())
    rates.set_ylabel("Response rate (% of people invited)")
    axis.set_zorder(rates.get_zorder() + 1)
    axis.patch.set_visible(False)
    axis.plot(
        starts,
        rounds["score"].to_numpy(dtype=float),
        marker="o",
        markersize=9,
        linewidth=2,
        color=COLORS["score"],
        label="Internal NPS of the round",
    )
    limits = nps_limits(rounds["score"].dropna().tolist(), threshold)
    for start, score in zip(starts, rounds["score"], strict=True):
        if pd.isna(score):
            axis.annotate(
                "too few answers\nto show a score",
                (start, limits[0] + (limits[1] - limits[0]) * 0.08),
                ha="center",
                fontsize=9,
                color="#555555",
            )
        else:
            axis.annotate(
                f"{score:+.0f}",
                (start, float(score)),
                textcoords="offset points",
                # Above the point, or below it when it sits under the line.
                xytext=(0, 10 if score >= threshold else -18),
                ha="center",
                fontsize=10,
            )
    axis.axhline(
        threshold,
        color=COLORS["line"],
        linestyle="--",
        linewidth=2,
        label=f"Healthy at {threshold:g} or more",
    )
    axis.axhline(0, color="#bbbbbb", linewidth=1)
    axis.set_ylim(*limits)
    axis.yaxis.set_major_formatter(
        ticker.FuncFormatter(lambda value, _: f"{value:+.0f}" if value else "0")
    )
    axis.set_ylabel("NPS (−100 to +100)")
    axis.set_title(
        "Would you recommend working with this team? Promoters (9–10) minus detractors (0–6)",
        loc="left",
    )
    _week_axis(axis, mondays, label=False)
    axis.set_xlabel(f"Round start date, {_years(mondays)}")
    handles, labels = axis.get_legend_handles_labels()
    more, more_labels = rates.get_legend_handles_labels()
    # Below the plot: on the right it would sit over the response-rate axis.
    figure.legend(handles + more, labels + more_labels, loc="lower center", ncols=3)
    if rounds.empty:
        _no_data(axis, "No NPS round in these weeks")
    figure.suptitle(
        "Internal NPS per survey round" + (f" · {subtitle}" if subtitle else ""),
        fontsize=15,
        weight="bold",
    )
    return Chart(
        name="nps",
        filename="nps.png",
        title="Internal NPS per round",
        alt_text=f"Internal NPS of each survey round against the line at {threshold:g}, "
        "with each round's response rate.",
        png=_png(figure),
        figure=figure,
    )


def readiness_chart(
    history: Sequence[tuple[date, float | None]],
    *,
    transfer_date: date | None,
    subtitle: str = "",
) -> Chart:
    """Readiness (green KPIs ÷ known KPIs) at each digest and review, and the Transfer date."""
    figure, (axis,) = _figure(6.0)
    days = np.array([_day(day) for day, _ in history], dtype="datetime64[D]")
    values = np.array(
        [np.nan if value is None else value * 100 for _, value in history], dtype=float
    )
    axis.plot(days, values, marker="o", linewidth=2, color=COLORS["rate"], label="Readiness")
    before = np.nan
    for index, (day, value) in enumerate(zip(days, values, strict=True)):
        # Each change is labelled, and the latest value: a label per point would crowd a year.
        if not np.isnan(value) and (value != before or index == len(values) - 1):
            axis.annotate(
                f"{value:.0f}%", (day, value), textcoords="offset points", xytext=(0, 9),
                ha="center", fontsize=9,
            )  # fmt: skip
        before = value
    if transfer_date is not None:
        axis.axvline(
            _day(transfer_date),  # type: ignore[arg-type]  # matplotlib takes dates too
            color=COLORS["line"],
            linestyle="--",
            linewidth=2,
            label=f"Transfer: {transfer_date.day} {transfer_date:%b %Y}",
        )
    axis.set_ylim(0, 110)
    axis.yaxis.set_major_formatter(ticker.PercentFormatter())
    axis.set_ylabel("KPIs green, of those known")
    axis.set_title("Transfer readiness at each weekly digest and monthly review", loc="left")
    shown = [*days, *([_day(transfer_date)] if transfer_date is not None else [])]
    if shown:
        _month_axis(axis, np.array(shown, dtype="datetime64[D]"))
        axis.set_xlabel(f"Day of each digest and review, {_years(np.array(shown))}")
    if not len(days) or np.isnan(values).all():
        _no_data(axis, "No readiness measured yet")
    _legend(axis)
    figure.suptitle(
        "Transfer readiness" + (f" · {subtitle}" if subtitle else ""),
        fontsize=15,
        weight="bold",
    )
    return Chart(
        name="readiness",
        filename="readiness.png",
        title="Transfer readiness over time",
        alt_text="Readiness, the share of known scorecard KPIs that are green, at each weekly "
        "digest and monthly review"
        + (", with the Transfer date." if transfer_date is not None else "."),
        png=_png(figure),
        figure=figure,
    )
