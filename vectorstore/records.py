"""The shared vocabulary of the index: what ingestion writes and the assistant reads.

Chroma metadata cannot hold None, lists or nested values, so `to_metadata`/`from_metadata`
are the one place that maps our optional fields onto it (0 and "" mean "absent").
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Kind = Literal["publication", "milestone"]

PUBLICATION: Kind = "publication"
MILESTONE: Kind = "milestone"

# The labels of a record's fields in its citable text ("Region: South-Eastern Europe.").
REGION_LABEL = "Region:"
AUDIENCE_LABEL = "Written for:"
RELATED_LABEL = "Related publications:"  # a milestone's publications, appended by ingest
RECORD_LABELS = (REGION_LABEL, AUDIENCE_LABEL, RELATED_LABEL)


@dataclass(frozen=True)
class Page:
    """One physical page's cleaned text; chunks and quotes are substrings of `text`."""

    number: int  # 1-based physical page
    label: str | None  # printed page label where the PDF defines one
    text: str


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage; never straddles a page, so `text == page.text[start:end]`."""

    doc_id: str  # the unit that is versioned and replaced as a whole
    ref_id: str  # what a citation names: publication id, or milestone id
    kind: Kind
    title: str
    year: int | None
    doc_type: str
    url: str | None
    page: int | None
    page_label: str | None
    index: int  # position in the document, for neighbouring-chunk context
    start: int  # character offsets within the page text (or record text)
    end: int
    text: str
    content_hash: str  # sha256 of the source bytes (or of the catalogue data)
    version: str  # content hash + chunking/model settings: what a re-ingest compares
    period_start: int | None = None  # milestones cover a period ending in `year`
    fields: str = ""  # a record's structured fields as JSON (milestones, catalogue); "" otherwise

    @property
    def id(self) -> str:
        return chunk_id(self.doc_id, self.version, self.index)

    def to_metadata(self) -> dict[str, str | int | float | bool]:
        return {
            "doc_id": self.doc_id,
            "ref_id": self.ref_id,
            "kind": self.kind,
            "title": self.title,
            "year": self.year or 0,
            "doc_type": self.doc_type,
            "url": self.url or "",
            "page": self.page or 0,
            "page_label": self.page_label or "",
            "chunk_index": self.index,
            "start": self.start,
            "end": self.end,
            "content_hash": self.content_hash,
            "version": self.version,
            # Only milestones have one; readers fall back to `year` themselves. Writing the
            # year here would come back as a period_start the chunk never had.
            "period_start": self.period_start or 0,
            "fields": self.fields,
        }

    @classmethod
    def from_metadata(cls, text: str, meta: dict[str, Any]) -> Chunk:
        return cls(
            doc_id=str(meta["doc_id"]),
            ref_id=str(meta.get("ref_id") or meta["doc_id"]),
            kind=meta["kind"],
            title=str(meta["title"]),
            year=int(meta["year"]) or None,
            doc_type=str(meta["doc_type"]),
            url=str(meta["url"]) or None,
            page=int(meta["page"]) or None,
            page_label=str(meta["page_label"]) or None,
            index=int(meta["chunk_index"]),
            start=int(meta["start"]),
            end=int(meta["end"]),
            text=text,
            content_hash=str(meta["content_hash"]),
            version=str(meta["version"]),
            period_start=int(meta.get("period_start") or 0) or None,
            fields=str(meta.get("fields") or ""),
        )


def chunk_id(doc_id: str, version: str, index: int) -> str:
    """Ids include the version, so a new version never overwrites the committed one in place."""
    return f"{doc_id}::{version}::{index:05d}"


def chunk_owner(chunk_id: str) -> tuple[str, str]:
    """The document and version a chunk id (see `chunk_id`) belongs to."""
    doc_id, version, _ = chunk_id.rsplit("::", 2)
    return doc_id, version


def page_id(doc_id: str, version: str, page: int) -> str:
    return f"{doc_id}::{version}::p{page:05d}"


@dataclass(frozen=True)
class Hit:
    """A chunk returned by a search, with its similarity to the query (cosine, higher is closer)."""

    chunk: Chunk
    score: float


@dataclass(frozen=True)
class DocumentInfo:
    """The committed version of one document; writing it is the commit point of an ingest."""

    id: str
    title: str
    year: int | None
    doc_type: str
    kind: Kind
    url: str | None
    pages: int
    chunks: int
    content_hash: str
    version: str  # what the committed chunks and pages are keyed by
    source: str = ""  # where the bytes came from: a path or URL
    cached_path: str = ""  # local PDF copy, for opening a citation at its page
    ingested_at: str = ""  # ISO 8601, UTC
    region: str | None = None
    empty_pages: list[int] = field(default_factory=list)  # pages without a text layer
    page_labels: dict[str, str] = field(default_factory=dict)  # page number -> printed label
    warnings: list[str] = field(default_factory=list)
    year_basis: str = ""  # where the year was read: "given", "the file name", the PDF's text...

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> DocumentInfo:
        data = json.loads(raw)
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    def summary(self) -> dict[str, Any]:
        """The fields `list --json` promises."""
        return {
            "id": self.id,
            "title": self.title,
            "year": self.year,
            "year_basis": self.year_basis,
            "kind": self.kind,
            "type": self.doc_type,
            "pages": self.pages,
            "chunks": self.chunks,
            "content_hash": self.content_hash,
            "ingested_at": self.ingested_at,
            "empty_pages": len(self.empty_pages),
            "source": self.source,
        }
