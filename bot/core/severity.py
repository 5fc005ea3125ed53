"""Escalation severities and the words that name them."""

from __future__ import annotations

from enum import IntEnum


class Severity(IntEnum):
    """sev1 is the most urgent."""

    SEV1 = 1
    SEV2 = 2
    SEV3 = 3
    SEV4 = 4

    @property
    def label(self) -> str:
        return f"sev{self.value}"

    @property
    def word(self) -> str:
        return _WORDS_BY_LEVEL[self]


_WORDS_BY_LEVEL = {
    Severity.SEV1: "critical",
    Severity.SEV2: "high",
    Severity.SEV3: "medium",
    Severity.SEV4: "low",
}
SEVERITY_WORDS: dict[str, Severity] = {
    **{s.label: s for s in Severity},
    **{word: s for s, word in _WORDS_BY_LEVEL.items()},
}


def parse_severity(word: str) -> Severity:
    """`sev1`…`sev4` or `critical`/`high`/`medium`/`low`, any case; KeyError otherwise."""
    return SEVERITY_WORDS[word.strip().lower()]
