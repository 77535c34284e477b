"""Small builders of records for the store tests: a document is pages + chunks + its info."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from vectorstore.embeddings import Embedder
from vectorstore.records import PUBLICATION, Chunk, DocumentInfo, Page
from vectorstore.store import Store


@dataclass
class Doc:
    info: DocumentInfo
    pages: list[Page]
    chunks: list[Chunk]
    vectors: np.ndarray

    def write(self, store: Store) -> None:
        store.write_document(self.info, self.pages, self.chunks, self.vectors)


def make_doc(
    embedder: Embedder,
    doc_id: str,
    version: str,
    pages: list[str],
    *,
    year: int | None = 2010,
    labels: list[str | None] | None = None,
) -> Doc:
    """One chunk per sentence ("." separated) of each non-empty page, offsets on the page."""
    labels = labels or [None] * len(pages)
    page_records = [
        Page(number=i, label=labels[i - 1], text=text) for i, text in enumerate(pages, start=1)
    ]
    chunks: list[Chunk] = []
    for page in page_records:
        start = 0
        for sentence in page.text.split(". "):
            if not sentence.strip():
                continue
            start = page.text.index(sentence, start)
            end = start + len(sentence)
            chunks.append(
                Chunk(
                    doc_id=doc_id,
                    ref_id=doc_id,
                    kind=PUBLICATION,
                    title=f"Title of {doc_id}",
                    year=year,
                    doc_type="study",
                    url=None,
                    page=page.number,
                    page_label=page.label,
                    index=len(chunks),
                    start=start,
                    end=end,
                    text=sentence,
                    content_hash=f"hash-{version}",
                    version=version,
                )
            )
            start = end
    info = DocumentInfo(
        id=doc_id,
        title=f"Title of {doc_id}",
        year=year,
        doc_type="study",
        kind=PUBLICATION,
        url=None,
        pages=len(page_records),
        chunks=len(chunks),
        content_hash=f"hash-{version}",
        version=version,
        source=f"/library/{doc_id}.pdf",
        page_labels={str(p.number): p.label for p in page_records if p.label},
    )
    vectors = embedder.encode([c.text for c in chunks])
    return Doc(info, page_records, chunks, vectors)


def stored(store: Store, suffix: str, **where: str) -> list[dict[str, Any]]:
    """Metadata of what is physically in one collection, committed or not."""
    col = {"chunks": store.chunks, "pages": store.pages}[suffix]
    clauses = [{k: v} for k, v in where.items()]
    filt: dict[str, Any] | None = (
        None if not clauses else clauses[0] if len(clauses) == 1 else {"$and": clauses}
    )
    raw = col.get(where=filt, include=["metadatas"])
    return list(raw["metadatas"])


class SimulatedCrash(BaseException):
    """Not an Exception, so no handler on the way up mistakes it for an ordinary failure."""


class CrashAtCommit:
    """Stands in for the documents collection and dies on the commit-point upsert, as a
    process killed between writing a version's chunks and committing it would."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def upsert(self, **kwargs: Any) -> None:
        raise SimulatedCrash("killed before the commit point")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def check_whole_documents(store: Store) -> tuple[dict[str, str], list[tuple[str, Any]]]:
    """After a crash: each committed document has all its chunks and pages, and search never
    returns the uncommitted chunks a kill left behind. Returns the committed versions and the
    leftovers (id, vector)."""
    docs = store.documents()
    versions = {d.id: d.version for d in docs}
    for info in docs:
        where = {"$and": [{"doc_id": info.id}, {"version": info.version}]}
        chunks = store.chunks.get(where=where, include=["metadatas"])["metadatas"]
        assert sorted(m["chunk_index"] for m in chunks) == list(range(info.chunks)), info.id
        pages = store.pages.get(where=where, include=["metadatas"])["metadatas"]
        assert sorted(m["page"] for m in pages) == list(range(1, info.pages + 1)), info.id
    everything = store.chunks.get(include=["metadatas", "embeddings"])
    uncommitted = [
        (cid, vector)
        for cid, meta, vector in zip(
            everything["ids"], everything["metadatas"], everything["embeddings"], strict=True
        )
        if versions.get(meta["doc_id"]) != meta["version"]
    ]
    # Queried with its own vector, an uncommitted chunk would be the top hit if let through.
    for _, vector in uncommitted[:: max(1, len(uncommitted) // 8)]:
        hits = store.search(vector, k=5)
        assert all(versions.get(h.chunk.doc_id) == h.chunk.version for h in hits)
    return versions, uncommitted
