"""Reading what follows `/kpi`: a subject, a period and a channel; a chart; an NPS admin action."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.blocks import echo
from bot.core.errors import InvalidInput
from bot.core.slack_text import CHANNEL_MENTION
from bot.kpi.blocks import USAGE
from bot.kpi.period import parse_span
from bot.kpi.subjects import CHART_SUBJECTS, SUBJECTS


@dataclass(frozen=True)
class Figures:
    """`/kpi [subject] [period] [#channel]`."""

    subject: str = "summary"
    days: int = 7
    channel: str | None = None


def parse_kpi_text(text: str) -> Figures:
    """`/kpi` arguments, each at most once, in any order; InvalidInput with the usage otherwise."""
    subject, days, channel = "summary", 7, None
    seen: set[str] = set()
    for token in text.split():
        lowered = token.lower()
        if lowered in SUBJECTS and "subject" not in seen:
            subject = lowered
            seen.add("subject")
        elif (match := CHANNEL_MENTION.fullmatch(token)) and "channel" not in seen:
            channel = match.group(1)
            seen.add("channel")
        elif "days" not in seen and (span := parse_span(token)) is not None:
            days = span
            seen.add("days")
        else:
            raise InvalidInput(f"I don't understand `{echo(token)}`.\n{USAGE}")
    return Figures(subject, days, channel)


def parse_chart_text(text: str) -> str | None:
    """`chart latency` → "latency"; None when the text asks for no chart."""
    words = text.lower().split()
    if not words or words[0] != "chart":
        return None
    if len(words) == 2 and words[1] in CHART_SUBJECTS:
        return words[1]
    raise InvalidInput(f"Which chart? `/kpi chart {'|'.join(CHART_SUBJECTS)}`.\n{USAGE}")


@dataclass(frozen=True)
class CheckinAsk:
    """`/kpi checkin [N]`: the form of sprint N, or of the last ended sprint."""

    sprint: int | None = None


def parse_checkin_text(text: str) -> CheckinAsk | None:
    """`checkin` or `checkin 4`; None when the text asks for no check-in."""
    words = text.lower().split()
    if not words or words[0] != "checkin":
        return None
    if len(words) == 1:
        return CheckinAsk()
    if len(words) == 2 and words[1].isdigit() and int(words[1]) >= 1:
        return CheckinAsk(int(words[1]))
    raise InvalidInput(
        "`/kpi checkin` opens the check-in of the last ended sprint, `/kpi checkin N` that of "
        f"sprint N (1, 2, …).\n{USAGE}"
    )
