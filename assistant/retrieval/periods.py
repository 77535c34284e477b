"""Years and periods named in a question ("in 2017", "before 2010", "2008-2012", "since 2015")."""

from __future__ import annotations

import re
from dataclasses import dataclass

YEAR = r"(19[5-9]\d|20\d\d)"
ANY_YEAR = YEAR.replace("(", "(?:", 1)  # the same years, not captured
FIRST, LAST = 1950, 2100  # the span YEAR can match, so "before 1985" never reaches past 1984


@dataclass(frozen=True)
class Period:
    start: int
    end: int

    def overlaps(self, start: int, end: int) -> bool:
        return start <= self.end and end >= self.start


def _consecutive(listed: str) -> tuple[int, int] | None:
    """ "2016, 2017 and 2018" is the span 2016-2018; "2008 and 2014" is no span of both."""
    years = sorted({int(y) for y in re.findall(YEAR, listed)})
    return (years[0], years[-1]) if years == list(range(years[0], years[-1] + 1)) else None


_PATTERNS: list[tuple[re.Pattern[str], object]] = [
    (re.compile(rf"\bbetween {YEAR} and {YEAR}\b", re.I), lambda a, b: (int(a), int(b))),
    (re.compile(rf"\bfrom {YEAR} (?:to|until|till) {YEAR}\b", re.I), lambda a, b: (int(a), int(b))),
    (re.compile(rf"\b{YEAR}\s*(?:-|–|to)\s*{YEAR}\b", re.I), lambda a, b: (int(a), int(b))),
    (
        re.compile(rf"\b(?:before|prior to|until|up to) {YEAR}\b", re.I),
        lambda a: (FIRST, int(a) - 1),
    ),
    (re.compile(rf"\b(?:after) {YEAR}\b", re.I), lambda a: (int(a) + 1, LAST)),
    (re.compile(rf"\b(?:since|from) {YEAR}\b", re.I), lambda a: (int(a), LAST)),
    (
        re.compile(r"\b(?:in )?the (19|20)(\d)0s\b", re.I),
        lambda c, d: (int(c + d + "0"), int(c + d + "9")),
    ),
    (re.compile(rf"\b({ANY_YEAR}(?:\s*,\s*{ANY_YEAR})*,?\s+and\s+{ANY_YEAR})\b"), _consecutive),
    (re.compile(rf"\b{YEAR}\b"), lambda a: (int(a), int(a))),
]


def find_period(question: str) -> Period | None:
    """The first period the question names, or None; ranges are normalised to start <= end."""
    for pattern, build in _PATTERNS:
        match = pattern.search(question)
        span = build(*match.groups()) if match else None  # type: ignore[operator]
        if span:
            return Period(min(span), max(span))
    return None
