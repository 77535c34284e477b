"""Years and periods named in a question ("in 2017", "before 2010", "2008-2012", "since 2015")."""

from __future__ import annotations

import re
from dataclasses import dataclass

YEAR = r"(19[5-9]\d|20\d\d)"
FIRST, LAST = 1950, 2100  # the span YEAR can match, so "before 1985" never reaches past 1984


@dataclass(frozen=True)
class Period:
    start: int
    end: int

    def overlaps(self, start: int, end: int) -> bool:
        return start <= self.end and end >= self.start


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
    (re.compile(rf"\b{YEAR}\b"), lambda a: (int(a), int(a))),
]


def find_period(question: str) -> Period | None:
    """The first period the question names, or None; ranges are normalised to start <= end."""
    for pattern, build in _PATTERNS:
        match = pattern.search(question)
        if match:
            start, end = build(*match.groups())  # type: ignore[operator]
            return Period(min(start, end), max(start, end))
    return None
