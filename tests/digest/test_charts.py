"""Charts: PNGs of at least 1200×600, titled and labelled, the threshold drawn, gaps not zeros."""

from __future__ import annotations

import math
import struct
import subprocess
import sys
from datetime import date, timedelta

import numpy as np
import pandas as pd

from bot.digest.charts import (
    Chart,
    activity_chart,
    latency_chart,
    nps_chart,
    nps_limits,
    readiness_chart,
)
from bot.kpi.weekly import BLOCKER_KEYS, ESCALATION_KEYS, LATENCY_KEYS

MONDAYS = [date(2026, 9, 7) + timedelta(weeks=n) for n in range(6)]
INDEX = pd.DatetimeIndex([pd.Timestamp(day) for day in MONDAYS], name="week")


def size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def check_readable(chart: Chart) -> None:
    width, height = size(chart.png)
    assert width >= 1200 and height >= 600
    figure = chart.figure
    assert figure is not None
    assert figure.get_suptitle()
    for axis in figure.axes:
        if not axis.get_visible() or not axis.get_ylabel():
            continue
        assert axis.get_ylabel()
    assert any(axis.get_xlabel() for axis in figure.axes)
    assert any(axis.get_legend() for axis in figure.axes) or figure.legends


def latency_frame() -> pd.DataFrame:
    frame = pd.DataFrame(np.nan, index=INDEX, columns=list(LATENCY_KEYS))
    # Week 3 has no waiting messages at all: a gap.
    hours = [6.0, 5.0, math.nan, 3.0, 2.0, 1.5]
    frame["median_business_seconds"] = [h * 3600 for h in hours]
    frame["p90_business_seconds"] = [h * 3 * 3600 for h in hours]
    frame["within_sla_rate"] = [0.4, 0.5, math.nan, 0.8, 0.9, 0.95]
    return frame


def test_the_latency_chart_draws_the_sla_and_leaves_gaps() -> None:
    chart = latency_chart(
        latency_frame(), sla_seconds=4 * 3600, sla_text="4 business hours", within_threshold=0.8
    )
    check_readable(chart)
    assert chart.figure is not None
    top = chart.figure.axes[0]
    median = top.lines[0].get_ydata()
    assert list(median[:2]) == [6.0, 5.0] and math.isnan(median[2])  # a gap, not a zero
    sla = [line for line in top.lines if line.get_label().startswith("Response SLA")]
    assert [list(line.get_ydata()) for line in sla] == [[4.0, 4.0]]
    assert top.get_ylabel() == "Wait for an answer (business hours)"
    assert "Week starting (Monday), 2026" in chart.figure.axes[1].get_xlabel()


def test_the_activity_chart_draws_the_baseline_and_the_alert_line() -> None:
    escalations = pd.DataFrame(0.0, index=INDEX, columns=list(ESCALATION_KEYS))
    escalations["opened"] = [math.nan, 2, 3, 9, 2, 1]  # the first week is before measurement
    blockers = pd.DataFrame(1.0, index=INDEX, columns=list(BLOCKER_KEYS))
    chart = activity_chart(
        escalations, blockers, escalation_baseline=2.5, alert_factor=1.5, blocker_baseline=1
    )
    check_readable(chart)
    assert chart.figure is not None
    top = chart.figure.axes[0]
    labels = {line.get_label(): list(line.get_ydata()) for line in top.lines}
    assert labels["Alert line: 1.5 × baseline"] == [3.75, 3.75]
    assert labels["Baseline: 2.5 opened a week"] == [2.5, 2.5]
    assert math.isnan(labels["Opened"][0])


def test_the_nps_chart_draws_the_line_at_50_and_the_response_rate() -> None:
    rounds = pd.DataFrame(
        {
            "score": [54.0, math.nan, 43.0],  # the second round had too few answers
            "response_rate": [0.8, 0.2, 0.9],
            "responses": [13.0, 3.0, 14.0],
            "invited": [16.0, 16.0, 16.0],
            "round": [1, 2, 3],
        },
        index=pd.DatetimeIndex(
            [pd.Timestamp("2026-09-08 10:00"), pd.Timestamp("2026-09-22 10:00"),
             pd.Timestamp("2026-10-06 10:00")]
        ),
    )  # fmt: skip
    chart = nps_chart(rounds, threshold=50, mondays=MONDAYS)
    check_readable(chart)
    assert chart.figure is not None
    axis = chart.figure.axes[0]
    labels = {line.get_label(): list(line.get_ydata()) for line in axis.lines}
    assert labels["Healthy at 50 or more"] == [50, 50]
    texts = [text.get_text() for text in axis.texts]
    assert "+54" in texts and "+43" in texts
    assert "too few answers\nto show a score" in texts
    assert axis.get_ylim() == (28, 69)  # 43 − 15 to 54 + 15: no half-empty chart
    assert size(chart.png) == (1200, 650)


def test_the_nps_axis_fits_the_scores_keeping_the_line_and_zero_when_close() -> None:
    # Rounds between 43 and 77 with the line at 50: 43 − 15 to 77 + 15.
    assert nps_limits([77, 43, 60], 50) == (28, 92)
    # A round at 20 comes within 30 points of 0: 0 stays in view, then the margin.
    assert nps_limits([20, 55], 50) == (-15, 70)
    # Far below zero and up to the top: bounded by the scale.
    assert nps_limits([-95, 100], 50) == (-100, 110)
    assert nps_limits([], 50) == (-100, 110)  # no score: the whole scale


def test_the_readiness_chart_draws_the_transfer_date_and_leaves_gaps() -> None:
    history = [(MONDAYS[0], 0.5), (MONDAYS[1], None), (MONDAYS[2], 0.75)]
    chart = readiness_chart(history, transfer_date=date(2027, 5, 3), subtitle="November 2026")
    check_readable(chart)
    assert chart.filename == "readiness.png" and "Transfer date" in chart.alt_text
    [axis] = [axis for axis in chart.figure.axes if axis.get_visible()]
    [readiness, transfer] = axis.get_lines()
    values = list(readiness.get_ydata())
    assert values[0] == 50 and math.isnan(values[1]) and values[2] == 75  # a gap, not a zero
    assert transfer.get_label() == "Transfer: 3 May 2027"
    assert [text.get_text() for text in axis.texts] == ["50%", "75%"]
    empty = readiness_chart([], transfer_date=None)
    assert any(
        "No readiness measured yet" in text.get_text() for text in empty.figure.axes[0].texts
    )


def test_the_server_never_imports_pyplot() -> None:
    code = (
        "import sys\n"
        "from tests.digest.test_charts import latency_frame\n"
        "from bot.digest.charts import latency_chart\n"
        "import bot.app\n"
        "latency_chart(latency_frame(), sla_seconds=1, sla_text='x', within_threshold=0.8)\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
