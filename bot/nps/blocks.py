"""NPS messages: the survey DM, its thank-you and reminder, the comment modal, the /kpi lines."""

from __future__ import annotations

import json
from typing import Any

from bot.core.blocks import (
    SECTION_TEXT_LIMIT,
    Block,
    button,
    channel,
    context,
    escape,
    modal,
    plain,
    section,
    slack_date,
    text_input,
)
from bot.core.formatting import percent
from bot.core.ids import NpsAction, NpsBlock, NpsView
from bot.nps.rules import COMMENT_LIMIT, RoundInfo, score_value

# In BOT practice a sustained score below this signals a communication breakdown.
HEALTHY_SCORE = 50
_MAX_COMMENT_SECTIONS = 10


def _closes(round_: RoundInfo) -> str:
    return slack_date(round_.ends_at, "{date_short_pretty} at {time}")


def _anonymity_note(round_: RoundInfo) -> str:
    return (
        ":lock: Anonymous: Baton keeps your score without your name or the time you answered, "
        f"and shows results only once at least {round_.min_responses} people have answered."
    )


def audience_text(audience: str) -> str:
    """The audience as Slack shows it: a channel or a user group."""
    return f"<!subteam^{audience}>" if audience.startswith("S") else channel(audience)


# -- the survey DM -------------------------------------------------------------------------


def build_invitation(round_: RoundInfo, invitation_id: int) -> dict[str, Any]:
    """The DM of one invitation: the question and eleven buttons, 0 to 10."""
    scores = [
        button(str(score), f"{NpsAction.SCORE}_{score}", score_value(invitation_id, score))
        for score in range(11)
    ]
    blocks: list[Block] = [
        {
            "type": "section",
            "block_id": NpsBlock.QUESTION,
            "text": {"type": "mrkdwn", "text": f"*{escape(round_.question)}*"},
        },
        {"type": "actions", "block_id": NpsBlock.SCORES, "elements": scores},
        context("0 = not at all likely · 10 = extremely likely"),
        context(_anonymity_note(round_), f"Round {round_.id} closes {_closes(round_)}."),
    ]
    return {"text": f"Team survey: {round_.question}", "blocks": blocks}


def build_thanks(round_: RoundInfo) -> dict[str, Any]:
    """What the survey DM becomes once answered: nothing left to click."""
    text = ":white_check_mark: *Thank you!* Your answer is recorded, without your name."
    blocks: list[Block] = [
        section(text),
        context(
            f"_{escape(round_.question)}_",
            f"Round {round_.id} closes {_closes(round_)}. Results are shown to the team once "
            f"at least {round_.min_responses} people have answered.",
        ),
    ]
    return {"text": "Thank you! Your answer is recorded, without your name.", "blocks": blocks}


def build_reminder(round_: RoundInfo) -> dict[str, Any]:
    """The reminder DM: no buttons of its own, the survey above stays the one place to answer."""
    text = (
        f":wave: A reminder: the team survey above closes {_closes(round_)}. "
        "It takes one click, and your answer stays anonymous."
    )
    return {"text": "Reminder: the team survey closes soon.", "blocks": [section(text)]}


def build_comment_modal(answer_id: str, round_: RoundInfo) -> dict[str, Any]:
    """The optional comment, opened right after a score; it knows the answer, never the person."""
    view = modal(
        NpsView.COMMENT,
        "Add a comment",
        [
            section(
                ":white_check_mark: Your score is recorded. Anything you want to add? "
                "The comment is shown to the team without your name and without your score, "
                f"once at least {round_.min_responses} people have answered."
            ),
            text_input(
                NpsBlock.COMMENT,
                "Comment (optional)",
                multiline=True,
                max_length=COMMENT_LIMIT,
                optional=True,
                placeholder="What would make working with this team better?",
            ),
        ],
        submit="Send",
        private_metadata=json.dumps({"answer": answer_id}),
    )
    view["close"] = plain("Skip")
    return view


# -- admins --------------------------------------------------------------------------------


def started_text(round_: RoundInfo, members: int, per_minute: int) -> str:
    """The admin's confirmation that a round is open."""
    minutes = max(1, -(-members // per_minute))
    return (
        f":bar_chart: NPS round {round_.id} is open until {_closes(round_)}. "
        f"{members} members of {audience_text(round_.audience)} get a DM over the next "
        f"{minutes} min or so (bots and deactivated accounts are skipped). "
        "Close it early with `/kpi nps close`."
    )


def closed_text(round_json: dict[str, Any]) -> str:
    """The admin's confirmation that a round is closed, with its numbers."""
    return f":lock: NPS round {round_json['round']} is closed. " + summary_sentence(round_json)


def summary_sentence(round_json: dict[str, Any]) -> str:
    """Answers, response rate and score (or why there is none) in one sentence."""
    answered = (
        f"{round_json['responses']} of {round_json['invited']} invited answered "
        f"({percent(round_json['response_rate'])})"
    )
    return f"{answered}; NPS {score_text(round_json)}."


# -- /kpi nps ------------------------------------------------------------------------------


def score_text(round_json: dict[str, Any]) -> str:
    """The score, or why it is not shown."""
    if round_json["score"] is None:
        responses, minimum = round_json["responses"], round_json["min_responses"]
        return f"not enough answers yet ({responses} of {minimum})"
    return str(round_json["score"])


def _trend(rounds: list[dict[str, Any]]) -> str:
    shown = [f"#{r['round']} {'–' if r['score'] is None else r['score']}" for r in reversed(rounds)]
    return " → ".join(shown)


def nps_lines(figures: dict[str, Any]) -> list[tuple[str, str]]:
    """The label and value lines of `/kpi nps` and `baton kpi nps`: the latest round, the trend."""
    rounds: list[dict[str, Any]] = figures["rounds"]
    if not rounds:
        return [("Rounds", "none yet")]
    latest = rounds[0]
    state = "open" if latest["closed"] is None else "closed"
    buckets = (
        "–"
        if latest["promoters"] is None
        else f"{latest['promoters']} · {latest['passives']} · {latest['detractors']}"
    )
    reached = f"{latest['reached']} of {latest['invited']}"
    if latest.get("undeliverable"):
        reached += f" ({latest['undeliverable']} undeliverable)"
    lines = [
        ("Round", f"#{latest['round']}, {state}, started {latest['started'][:10]}"),
        ("NPS", score_text(latest)),
        (
            "Response rate",
            f"{percent(latest['response_rate'])} ({latest['responses']} of {latest['invited']})",
        ),
        ("Promoters · passives · detractors", buckets),
        ("Reached", reached),
    ]
    if len(rounds) > 1:
        lines.append(("Trend", _trend(rounds)))
    return lines


def _quote(comment: str) -> str:
    return "> " + escape(comment).replace("\n", "\n> ")


def comment_blocks(comments: list[str], round_number: int) -> list[Block]:
    """Comments without their scores, in the shuffled order given, within Slack's limits."""
    blocks: list[Block] = []
    current = f"*Comments, round {round_number}* (shuffled, without scores)"
    shown = 0
    for comment in comments:
        quoted = _quote(comment)
        if len(current) + 2 + len(quoted) > SECTION_TEXT_LIMIT:
            if len(blocks) + 1 >= _MAX_COMMENT_SECTIONS:
                break
            blocks.append(section(current))
            current = ""
        current = f"{current}\n\n{quoted}" if current else quoted
        shown += 1
    blocks.append(section(current))
    if shown < len(comments):
        blocks.append(context(f"…and {len(comments) - shown} more in `baton kpi nps --json`."))
    return blocks


def nps_extra_blocks(figures: dict[str, Any]) -> list[Block]:
    """What `/kpi nps` shows below its numbers: a warning under 50, the latest comments."""
    rounds: list[dict[str, Any]] = figures["rounds"]
    if not rounds:
        return [context("No NPS round yet. A Baton admin can start one with `/kpi nps start`.")]
    latest = rounds[0]
    blocks: list[Block] = []
    if latest["score"] is None:
        blocks.append(
            context(
                f"Scores and comments are shown once a round has {latest['min_responses']} "
                "answers, so that nobody can be recognised."
            )
        )
    elif latest["score"] < HEALTHY_SCORE:
        blocks.append(
            context(
                f":warning: Below {HEALTHY_SCORE}: a sustained score under {HEALTHY_SCORE} "
                "usually means communication has broken down."
            )
        )
    if latest.get("comments"):
        blocks.extend(comment_blocks(latest["comments"], latest["round"]))
    return blocks
