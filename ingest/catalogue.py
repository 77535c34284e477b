"""The programme's publication catalogue and milestone timeline, shipped as package data.

Both were written by hand from the "Highlights and Milestones 2002-2022" infographic and its
links. The infographic is a vertical timeline, newest at the top; each item hangs under the
year label above it, so it belongs to the period that runs down to the next older label.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ingest.errors import CatalogueError
from vectorstore.records import AUDIENCE_LABEL, REGION_LABEL


@dataclass(frozen=True)
class Publication:
    id: str
    title: str
    year: int
    year_basis: str  # "publication" (its own date) or "infographic" (dated by its timeline item)
    type: str
    region: str | None
    url: str
    note: str | None = None  # a fact about it beyond its title, part of the citable text
    audience: tuple[str, ...] = ()  # who it is written for, where its title says so
    provenance: str | None = None  # how the entry was made (a reconstructed title): not cited

    def record_text(self) -> str:
        """The citable text of the catalogue entry, answerable without the PDF."""
        kind = "a set of ICMPD guidelines" if self.type == "guidelines" else f"an ICMPD {self.type}"
        parts = [f"{self.title} is {kind} published in {self.year}."]
        if self.region:
            parts.append(f"{REGION_LABEL} {self.region}.")
        if self.audience:
            parts.append(f"{AUDIENCE_LABEL} {', '.join(self.audience)}.")
        if self.note:
            parts.append(self.note)
        return " ".join(parts)

    def fields(self) -> dict[str, object]:
        """The record's fields, stored beside its text so the assistant can match on them."""
        return {
            "type": self.type,
            "year": self.year,
            "year_basis": self.year_basis,
            "region": self.region,
            "audience": list(self.audience),
            "url": self.url,
            "provenance": self.provenance,
        }


@dataclass(frozen=True)
class Milestone:
    id: str
    year_label: int  # the infographic's year label the item hangs under
    period: tuple[int, int]  # from the next older label to this one
    statement: str
    publication_ids: tuple[str, ...]
    links: tuple[str, ...]
    note: str | None = None
    work: tuple[str, ...] = ()  # kinds of work, from WORK
    regions: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()

    def record_text(self) -> str:
        """The citable text: a dated statement, so quotes carry their year with them."""
        return f"{self.year_label}: {self.statement}"

    def fields(self) -> dict[str, object]:
        """The record's fields, stored beside its text so the assistant can match on them."""
        return {
            "year_label": self.year_label,
            "period": list(self.period),
            "work": list(self.work),
            "regions": list(self.regions),
            "countries": list(self.countries),
            "partners": list(self.partners),
            "audience": list(self.audience),
            "publications": list(self.publication_ids),
        }


TYPES = ("guidelines", "handbook", "training manual", "study", "non-paper")
# Kinds of the programme's work a milestone belongs to.
WORK = (
    "programme",
    "training",
    "guidelines",
    "research",
    "referral mechanisms",
    "data collection",
    "monitoring and evaluation",
    "labour exploitation",
    "partnerships",
    "presidency",
    "regions",
    "outlook",  # what the programme says it will do next
)
FIRST_YEAR, LAST_YEAR = 2002, 2023


def _load(name: str) -> list[dict]:
    raw = resources.files("ingest").joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(raw)


@cache
def publications() -> tuple[Publication, ...]:
    return tuple(
        Publication(**{**row, "audience": tuple(row.get("audience", ()))})
        for row in _load("publications.json")
    )


LISTS = ("work", "regions", "countries", "partners", "audience")


@cache
def milestones() -> tuple[Milestone, ...]:
    return tuple(
        Milestone(
            id=row["id"],
            year_label=row["year_label"],
            period=(row["period"][0], row["period"][1]),
            statement=row["statement"],
            publication_ids=tuple(row["publication_ids"]),
            links=tuple(row["links"]),
            note=row.get("note"),
            **{f: tuple(row.get(f, ())) for f in LISTS},
        )
        for row in _load("milestones.json")
    )


def publication(pub_id: str) -> Publication:
    for pub in publications():
        if pub.id == pub_id:
            return pub
    raise KeyError(pub_id)


def validate() -> None:
    """Raise CatalogueError on any inconsistency; the tests and `status` call this."""
    problems: list[str] = []
    pubs = publications()
    ids = [p.id for p in pubs] + [m.id for m in milestones()]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        problems.append(f"duplicate ids {sorted(dupes)}")
    urls = [p.url for p in pubs]
    if len(set(urls)) != len(urls):
        problems.append("duplicate publication URLs")
    pub_ids = {p.id for p in pubs}
    for pub in pubs:
        if pub.type not in TYPES:
            problems.append(f"{pub.id}: unknown type {pub.type!r}")
        if not FIRST_YEAR <= pub.year <= LAST_YEAR:
            problems.append(f"{pub.id}: year {pub.year} outside {FIRST_YEAR}-{LAST_YEAR}")
        if not pub.title.strip():
            problems.append(f"{pub.id}: empty title")
    for ms in milestones():
        start, end = ms.period
        if not FIRST_YEAR <= start <= end <= LAST_YEAR or ms.year_label != end:
            problems.append(f"{ms.id}: bad period {ms.period} for label {ms.year_label}")
        if not ms.statement.strip():
            problems.append(f"{ms.id}: empty statement")
        problems += [f"{ms.id}: unknown kind of work {w!r}" for w in ms.work if w not in WORK]
        problems += [
            f"{ms.id}: unknown publication {p}" for p in ms.publication_ids if p not in pub_ids
        ]
    if problems:
        raise CatalogueError("catalogue", "; ".join(problems))
