"""Internal NPS, exactly as the README defines it: buckets, score, response rate, the minimum.

Promoters answer 9–10, passives 7–8, detractors 0–6;
NPS = round(100 × (promoters − detractors) ÷ responses), halves rounded away from zero as by
hand; response rate = responses ÷ invitations. Below the round's minimum number of answers
neither the score nor the buckets are given: with few answers they would point at people.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

PROMOTER_MIN = 9
DETRACTOR_MAX = 6
SCORES = range(11)

PROMOTER, PASSIVE, DETRACTOR = "promoter", "passive", "detractor"


def bucket(score: int) -> str:
    """`promoter` (9–10), `passive` (7–8) or `detractor` (0–6); ValueError outside 0–10."""
    if score not in SCORES:
        raise ValueError(f"an NPS score runs from 0 to 10, not {score}")
    if score >= PROMOTER_MIN:
        return PROMOTER
    if score <= DETRACTOR_MAX:
        return DETRACTOR
    return PASSIVE


def nps(promoters: int, detractors: int, responses: int) -> int | None:
    """round(100 × (promoters − detractors) ÷ responses), from −100 to 100; None without answers."""
    if responses <= 0:
        return None
    exact = Decimal(100 * (promoters - detractors)) / Decimal(responses)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def response_rate(responses: int, invited: int) -> float | None:
    """responses ÷ invitations, from 0 to 1; None when nobody was invited."""
    return round(responses / invited, 4) if invited else None


def score_counts(scores: Iterable[int]) -> dict[int, int]:
    """How many answers gave each score."""
    return dict(Counter(scores))


@dataclass(frozen=True)
class RoundFigures:
    """One round's numbers; the buckets and score are None below the minimum."""

    invited: int
    reached: int
    responses: int
    min_responses: int
    promoters: int | None
    passives: int | None
    detractors: int | None
    score: int | None

    @property
    def response_rate(self) -> float | None:
        return response_rate(self.responses, self.invited)

    @property
    def shown(self) -> bool:
        """Whether the round has enough answers for its results to be shown."""
        return self.responses >= self.min_responses


def round_figures(
    counts: Mapping[int, int], *, invited: int, reached: int, min_responses: int
) -> RoundFigures:
    """The figures of a round from how many answers gave each score."""
    buckets = Counter({PROMOTER: 0, PASSIVE: 0, DETRACTOR: 0})
    for score, count in counts.items():
        buckets[bucket(score)] += count
    responses = sum(buckets.values())
    if responses < min_responses:
        return RoundFigures(invited, reached, responses, min_responses, None, None, None, None)
    return RoundFigures(
        invited=invited,
        reached=reached,
        responses=responses,
        min_responses=min_responses,
        promoters=buckets[PROMOTER],
        passives=buckets[PASSIVE],
        detractors=buckets[DETRACTOR],
        score=nps(buckets[PROMOTER], buckets[DETRACTOR], responses),
    )


def changes(scores_newest_first: Sequence[int | None]) -> list[int | None]:
    """Each round's score minus the previous round's, newest first; None where either is hidden."""
    result: list[int | None] = []
    for index, score in enumerate(scores_newest_first):
        previous = scores_newest_first[index + 1] if index + 1 < len(scores_newest_first) else None
        result.append(score - previous if score is not None and previous is not None else None)
    return result


def as_json(figures: RoundFigures) -> dict[str, Any]:
    """The documented keys of one round (without its identity and dates)."""
    return {
        "invited": figures.invited,
        "reached": figures.reached,
        "responses": figures.responses,
        "response_rate": figures.response_rate,
        "promoters": figures.promoters,
        "passives": figures.passives,
        "detractors": figures.detractors,
        "score": figures.score,
        "min_responses": figures.min_responses,
    }
