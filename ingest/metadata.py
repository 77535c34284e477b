"""A publication's title and year as the PDF states them: its metadata, then its first pages.

File names are the weakest evidence (a journal article filed under the year it was accepted,
a report under the year it covers), so the pipeline consults them only after these.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pypdf

FIRST_PAGES = 4  # pages searched for a stated year; the title is looked for on the first two
TITLE_PAGES = 2
MAX_TITLE = 200
LARGER = 1.15  # a title's type is at least this much larger than the body text's
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_YEAR = r"((?:19[5-9]|20[0-9])\d)"
# A year the publication states about itself, strongest first: a copyright line, a journal
# citation ("issue 6, 2016"), a "published in" line.
STATED = (
    ("copyright", re.compile(r"(?:©|\(c\)|copyright)[^\n\d]{0,60}?" + _YEAR, re.I)),
    (
        "citation",
        re.compile(
            r"\b(?:issue|vol(?:ume)?\.?|no\.)\s*\d+\s*[,(]\s*(?:(?:" + _MONTHS + r")\s+)?" + _YEAR,
            re.I,
        ),
    ),
    ("published", re.compile(r"\b(?:published|publication date)\b[^\n.]{0,40}?" + _YEAR, re.I)),
)
# A dated line ("June 2025"): weaker than the creation date, since reports date their periods.
DATED = re.compile(r"\b(?:" + _MONTHS + r")\s+" + _YEAR)
_DANGLING = {"in", "of", "the", "and", "for", "on", "to", "a", "an", "with"}


@dataclass(frozen=True)
class Stated:
    """A year and where it was read, e.g. (2016, "text, page 1: 'issue 6, 2016'")."""

    year: int
    basis: str


def stated_year(texts: list[str], latest: int | None = None) -> Stated | None:
    """The first strong statement of a year on the first pages, if any."""
    latest = latest or datetime.now(UTC).year + 1
    for kind, pattern in STATED:
        for number, text in enumerate(texts[:FIRST_PAGES], start=1):
            for match in pattern.finditer(text):
                year = int(match.group(1))
                if year <= latest:
                    quoted = " ".join(match.group(0).split())[-60:]
                    return Stated(year, f"the PDF's text ({kind}, page {number}: '{quoted}')")
    return None


def dated_year(texts: list[str], latest: int | None = None) -> Stated | None:
    """The latest month-and-year date on the first pages: a last resort."""
    latest = latest or datetime.now(UTC).year + 1
    years = [int(m.group(1)) for t in texts[:FIRST_PAGES] for m in DATED.finditer(t)]
    years = [y for y in years if y <= latest]
    if not years:
        return None
    return Stated(max(years), "the PDF's text (the latest date on its first pages)")


def created_year(reader: pypdf.PdfReader) -> Stated | None:
    """The year the PDF says it was created, from its metadata."""
    try:
        metadata = reader.metadata
        raw = metadata.get("/CreationDate") if metadata else None
    except Exception:  # broken metadata costs the year, not the document
        return None
    match = re.match(r"(?:D:)?" + _YEAR, str(raw or ""))
    if not match:
        return None
    return Stated(int(match.group(1)), "the PDF's metadata (creation date)")


def text_title(reader: pypdf.PdfReader, clean: Callable[[str], str]) -> str | None:
    """The first run of the largest type on the first pages, which is where covers and
    articles put their title, if it is larger than the body text."""
    pages = [_runs(reader, i) for i in range(min(FIRST_PAGES, len(reader.pages)))]
    body = _body_size([run for runs in pages for run in runs])
    for runs in pages[:TITLE_PAGES]:
        sized = [(s, t) for s, t in runs if sum(c.isalpha() for c in t) >= 2]
        if not sized:
            continue
        top = max(s for s, _ in sized)
        if top < LARGER * body:
            continue  # no larger type: a page of plain text has no title line to find
        first = next(i for i, (s, _) in enumerate(runs) if s == top)
        parts = []
        for size, text in runs[first:]:
            if abs(size - top) > 0.5:
                if parts and any(c.isalpha() for c in text):
                    break
                continue
            parts.append(text)
        title = clean(" ".join(parts))[:MAX_TITLE].strip(" .:;,")
        if usable_title(title):
            return title
    return None


def _runs(reader: pypdf.PdfReader, index: int) -> list[tuple[float, str]]:
    """(type size, text) for each piece of text on a page, in reading order."""
    runs: list[tuple[float, str]] = []

    def visit(text, cm, tm, font, size):  # pypdf's visitor signature
        if text.strip():
            runs.append((round(size * _scale(cm, tm), 1), text))

    try:
        reader.pages[index].extract_text(visitor_text=visit)
    except Exception:  # a page that cannot be read again gives no title, nothing worse
        return []
    return runs


def _body_size(runs: list[tuple[float, str]]) -> float:
    """The type size most of the page's letters are set in."""
    letters: dict[float, int] = {}
    for size, text in runs:
        letters[size] = letters.get(size, 0) + len(text)
    return max(letters, key=letters.__getitem__) if letters else 0.0


def usable_title(title: str) -> bool:
    """Long enough to name something, with letters, and not cut off mid-phrase."""
    words = title.split()
    return (
        len(title) >= 3
        and any(ch.isalpha() for ch in title)
        and bool(words)
        and words[-1].lower() not in _DANGLING
    )


def _scale(cm: list[float], tm: list[float]) -> float:
    """How much the text and current matrices enlarge the font size."""
    a = tm[0] * cm[0] + tm[1] * cm[2]
    b = tm[0] * cm[1] + tm[1] * cm[3]
    c = tm[2] * cm[0] + tm[3] * cm[2]
    d = tm[2] * cm[1] + tm[3] * cm[3]
    return math.sqrt(abs(a * d - b * c)) or 1.0
