"""The timeline's milestones and the catalogue's publications, read back from the index."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from assistant.programme.vocabulary import VOCABULARY
from assistant.text import tokens
from vectorstore.records import MILESTONE, PUBLICATION, RELATED_LABEL, Chunk

# A publication's type says what kind of work it is, as a milestone's `work` does.
TYPE_WORK = {
    "training manual": "training",
    "guidelines": "guidelines",
    "handbook": "guidelines",
    "study": "research",
    "non-paper": "presidency",
}
# A word a record holds only through its family ("first" for "established") counts a little
# less than the word itself, so the record that says it comes first.
FAMILY = 0.9
FACETS = ("audience", "regions", "countries", "partners", "work", "type")


@dataclass
class Record:
    """One milestone or catalogue publication with the fields questions are matched on."""

    chunk: Chunk
    kind: str  # "milestone" or "publication"
    year: int  # the milestone's year label, or the publication's year
    period: tuple[int, int]  # a milestone's span on the timeline; (year, year) for a publication
    title: str  # a publication's title; a milestone's statement
    facets: dict[str, set[str]]
    linked: list[str] = field(default_factory=list)  # ids of linked records, both ways
    words: frozenset[str] = frozenset()  # its own words and their families' names
    own: frozenset[str] = frozenset()  # its own words

    @property
    def id(self) -> str:
        return self.chunk.ref_id

    def statement(self) -> str:
        """A milestone's statement without its year prefix; a publication's title."""
        if self.kind == MILESTONE:
            return self.chunk.text.split(": ", 1)[-1].split(f" {RELATED_LABEL}")[0]
        return self.title


class Records:
    """Every record in the index, with word weights computed over them."""

    def __init__(self, chunks: Iterable[Chunk]) -> None:
        self.items = [r for c in chunks if (r := _record(c)) is not None]
        self.by_id = {r.id: r for r in self.items}
        for r in self.items:
            for other in r.linked:
                if other in self.by_id and r.id not in self.by_id[other].linked:
                    self.by_id[other].linked.append(r.id)
        for r in self.items:  # a publication does the work of the milestone it came of
            for other in (self.by_id[i] for i in r.linked if i in self.by_id):
                if r.kind == PUBLICATION and other.kind == MILESTONE:
                    r.facets["work"] |= other.facets["work"]
                    r.facets["partners"] |= other.facets["partners"]
                if r.kind == MILESTONE and other.kind == PUBLICATION:
                    for name in ("audience", "countries", "regions", "type"):
                        r.facets[name] |= other.facets[name]
            r.own = frozenset(tokens(_searchable(r)))
            families = VOCABULARY.record_families
            r.words = r.own | {families[w] for w in r.own if w in families}
        self.known = frozenset(w for r in self.items for w in r.words)
        df = Counter(w for r in self.items for w in r.words)
        n = len(self.items)
        self._idf = {w: math.log((n + 1) / (d + 0.5)) for w, d in df.items()}
        self._unknown = math.log((n + 1) / 0.5)

    def __len__(self) -> int:
        return len(self.items)

    def idf(self, word: str) -> float:
        return self._idf.get(word, self._unknown)

    def coverage(self, words: Sequence[str], records: Sequence[Record]) -> float:
        """The share of the words' weight that the records hold, 0 to 1 (1 with no words)."""
        total = sum(self.idf(w) for w in words)
        if not total:
            return 1.0
        held = set().union(*(r.words for r in records)) if records else set()
        own = set().union(*(r.own for r in records)) if records else set()
        weight = {w: 1.0 if w in own else FAMILY if w in held else 0.0 for w in words}
        return sum(self.idf(w) * weight[w] for w in words) / total


def _record(chunk: Chunk) -> Record | None:
    if chunk.page is not None or chunk.kind not in (MILESTONE, PUBLICATION):
        return None
    fields = json.loads(chunk.fields) if chunk.fields else {}
    year = int(chunk.year or 0)
    if not year:
        return None
    facets = {name: set() for name in FACETS}
    if chunk.kind == MILESTONE:
        start = int(chunk.period_start or year)
        for name in ("work", "regions", "countries", "partners", "audience"):
            facets[name] = set(fields.get(name, ()))
        linked = list(fields.get("publications", ()))
        return Record(chunk, MILESTONE, year, (start, year), chunk.text, facets, linked)
    places = {p.strip() for p in (fields.get("region") or "").split(",") if p.strip()}
    facets["regions"] = places
    facets["countries"] = set(places)
    facets["audience"] = set(fields.get("audience", ()))
    facets["type"] = {chunk.doc_type}
    facets["work"] = {TYPE_WORK[chunk.doc_type]} if chunk.doc_type in TYPE_WORK else set()
    return Record(chunk, PUBLICATION, year, (year, year), chunk.title, facets)


def _searchable(record: Record) -> str:
    """The record's words and the words a user types for its field values."""
    parts = [record.chunk.text, record.chunk.title]
    for name, values in record.facets.items():
        synonyms = VOCABULARY.fields.get(name, {})
        for value in values:
            parts.append(value)
            parts += synonyms.get(value, [])
    return " ".join(parts)
