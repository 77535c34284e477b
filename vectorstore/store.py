"""The index: chunks with embeddings, page texts, and one committed record per document.

Chroma has no transactions, so a document is replaced in three steps whose order makes a
crash harmless: write the new version's pages and chunks under version-keyed ids, then write
the document record (the commit point), then delete other versions. Readers only trust
chunks whose version matches the committed record, and `collect_garbage` removes the rest.

A Store opened on a published snapshot (see `vectorstore.index`) never writes to it: its first
write asks `copy_on_write` for a client on the writer's own copy and carries on there.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np
from chromadb.api import ClientAPI

from vectorstore.embeddings import Embedder
from vectorstore.errors import StoreError, StoreUnavailable
from vectorstore.records import Chunk, DocumentInfo, Hit, Page, chunk_owner, page_id

F = TypeVar("F", bound=Callable[..., Any])
_UNIT = [1.0]  # pages and documents are fetched by id only; Chroma still wants a vector
# Chroma's default HNSW (ef_search 100, 16 neighbours) missed the true nearest chunk on this
# corpus until n_results reached 500; a wider search costs a few ms at our size.
HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 500, "max_neighbors": 32}
# Up to this many stored chunks the nearest are found exactly, by one matrix product over the
# vectors read once per snapshot (about 1.5 KB a chunk): Chroma's HNSW answered the same query
# differently from one process to the next, missing chunks written late in a run
# (chroma-core/chroma#3638). Above it, Chroma's approximate search answers instead.
EXACT_UP_TO = 100_000


def _translating(method: F) -> F:
    """Turn a lost Chroma server into StoreUnavailable, with words a user can act on."""
    if inspect.isgeneratorfunction(method):
        # A generator's body runs while it is iterated, long after a plain wrapper returned.
        @functools.wraps(method)
        def generator_wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
            with _translated():
                yield from method(self, *args, **kwargs)

        return generator_wrapper  # type: ignore[return-value]

    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
        with _translated():
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:
        if _is_connection_error(exc):
            problem = f"the Chroma server stopped answering ({type(exc).__name__})"
            raise StoreUnavailable(
                f"{problem}; the index is unchanged - retry when it is back", problem
            ) from exc
        raise


def _is_connection_error(exc: BaseException) -> bool:
    import httpx

    while exc is not None:
        if isinstance(exc, httpx.TransportError | ConnectionError):
            return True
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return False


class Store:
    """Args:
    client: None for an index nothing was ever written to (every read finds nothing).
    copy_on_write: set when `client` is a published snapshot: called once, before the first
        write, for a client on a copy to write instead (or raising when writing is not allowed).
    """

    def __init__(
        self,
        client: ClientAPI | None,
        embedder: Embedder,
        name: str = "atp",
        copy_on_write: Callable[[], ClientAPI] | None = None,
    ) -> None:
        self.client = client
        self.embedder = embedder
        self.name = name
        self._copy_on_write = copy_on_write
        self._collections: dict[str, Any] = {}
        self._switch = threading.Lock()
        self.written = False  # whether anything was written through this Store
        self._matrix: tuple[tuple[tuple[str, str], ...], list[str], np.ndarray] | None = None
        # Set by Index.writer when writes become visible only at a later publish (embedded).
        self.deferred: list[Callable[[], None]] | None = None

    def when_published(self, action: Callable[[], None]) -> None:
        """Run `action` once readers see what was written: at once on a server, after the
        publish of the generation when embedded (say, deleting the PDF a replaced version was
        read from, which readers of the published index still cite)."""
        if self.deferred is None:
            action()
        else:
            self.deferred.append(action)

    @property
    def _batch(self) -> int:
        return max(1, min(self.client.get_max_batch_size(), 2000)) if self.client else 1000

    def _writable(self) -> None:
        """Before a write: move from the snapshot to the writer's copy, once."""
        with self._switch:
            if self._copy_on_write is not None:
                self.client = self._copy_on_write()
                self._copy_on_write = None
                self._collections = {}
            self.written = True

    def _col(self, suffix: str):
        # Looked up each time it is missing, so a restarted server or a reset index is picked up.
        col = self._collections.get(suffix)
        if col is None:
            name = f"{self.name}_{suffix}"
            if self.client is None or self._copy_on_write is not None:
                col = _snapshot_collection(self.client, name)  # a snapshot is never written
                if isinstance(col, _Nothing):
                    return col  # not kept: on a server, a writer may create it any moment
            else:
                col = self.client.get_or_create_collection(
                    name, embedding_function=None, configuration={"hnsw": HNSW}
                )
                hnsw = (col.configuration or {}).get("hnsw") or {}
                if suffix == "chunks" and hnsw.get("ef_search", 0) < HNSW["ef_search"]:
                    col.modify(configuration={"hnsw": {"ef_search": HNSW["ef_search"]}})
            self._collections[suffix] = col
        return col

    @property
    def chunks(self):
        return self._col("chunks")

    @property
    def pages(self):
        return self._col("pages")

    @property
    def docs(self):
        return self._col("documents")

    # -- documents ------------------------------------------------------------------------

    @_translating
    def documents(self) -> list[DocumentInfo]:
        raw = self.docs.get(include=["documents"])
        infos = [DocumentInfo.from_json(text) for text in raw["documents"] or []]
        return sorted(infos, key=lambda d: (d.kind != "milestone", d.id))

    @_translating
    def document(self, doc_id: str) -> DocumentInfo | None:
        raw = self.docs.get(ids=[doc_id], include=["documents"])
        return DocumentInfo.from_json(raw["documents"][0]) if raw["ids"] else None

    def committed_versions(self) -> dict[str, str]:
        return {d.id: d.version for d in self.documents()}

    @_translating
    def write_document(
        self,
        info: DocumentInfo,
        pages: Sequence[Page],
        chunks: Sequence[Chunk],
        embeddings: np.ndarray,
    ) -> None:
        """Replace a document as a whole; see the module docstring for why in this order."""
        if len(chunks) != len(embeddings):
            raise StoreError(f"{info.id}: {len(chunks)} chunks but {len(embeddings)} embeddings")
        self._writable()
        for batch in _batched(list(pages), self._batch):
            self.pages.upsert(
                ids=[page_id(info.id, info.version, p.number) for p in batch],
                embeddings=[_UNIT] * len(batch),
                documents=[p.text for p in batch],
                metadatas=[
                    {"doc_id": info.id, "version": info.version, "page": p.number} for p in batch
                ],
            )
        for start in range(0, len(chunks), self._batch):
            batch = chunks[start : start + self._batch]
            self.chunks.upsert(
                ids=[c.id for c in batch],
                embeddings=embeddings[start : start + self._batch].tolist(),
                documents=[c.text for c in batch],
                metadatas=[c.to_metadata() for c in batch],
            )
        self.docs.upsert(ids=[info.id], embeddings=[_UNIT], documents=[info.to_json()])
        self._drop_versions(info.id, keep=info.version)

    @_translating
    def delete_document(self, doc_id: str) -> bool:
        """Uncommit first, so a crash half-way leaves orphans for garbage collection, not hits."""
        existed = bool(self.docs.get(ids=[doc_id])["ids"])
        self._writable()
        self.docs.delete(ids=[doc_id])
        self._drop_versions(doc_id, keep=None)
        return existed

    def _drop_versions(self, doc_id: str, keep: str | None) -> None:
        where: dict[str, Any] = {"doc_id": doc_id}
        if keep is not None:
            where = {"$and": [where, {"version": {"$ne": keep}}]}
        self.chunks.delete(where=where)
        self.pages.delete(where=where)

    @_translating
    def collect_garbage(self) -> int:
        """Delete chunks and pages that no committed document owns; returns how many went."""
        committed = self.committed_versions()
        removed = 0
        stale_by_col: list[list[str]] = []
        for col in (self.chunks, self.pages):
            stale = [
                cid
                for cid, meta in self._iter_metadata(col)
                if committed.get(str(meta.get("doc_id"))) != meta.get("version")
            ]
            stale_by_col.append(stale)
        if any(stale_by_col):
            self._writable()
            for col, stale in zip((self.chunks, self.pages), stale_by_col, strict=True):
                for batch in _batched(stale, self._batch):
                    col.delete(ids=batch)
                removed += len(stale)
        return removed

    def _iter_metadata(self, col) -> Iterator[tuple[str, dict]]:
        for raw in self._batches(col, ["metadatas"]):
            yield from zip(raw["ids"], raw["metadatas"], strict=True)

    def _batches(self, col, include: list[str]) -> Iterator[dict[str, Any]]:
        """Everything stored in `col`, a batch at a time, with the fields in `include`."""
        offset = 0
        while True:
            raw = col.get(include=include, limit=self._batch, offset=offset)
            if not raw["ids"]:
                return
            yield raw
            offset += len(raw["ids"])

    # -- reading ----------------------------------------------------------------------------

    @_translating
    def search(
        self,
        query_embedding: np.ndarray,
        k: int,
        where: dict[str, Any] | None = None,
        versions: dict[str, str] | None = None,
    ) -> list[Hit]:
        """Nearest committed chunks: Chroma skips other versions, then each hit is checked."""
        versions = self.committed_versions() if versions is None else versions
        total = self.chunks.count()
        if total == 0 or k <= 0 or not versions:
            return []
        if total <= EXACT_UP_TO:
            return self._exact(np.asarray(query_embedding, dtype=np.float32), k, where, versions)
        vector = [np.asarray(query_embedding, dtype=np.float32).tolist()]
        # Chroma's filtered search is many times slower than its plain one (bench/
        # query_benchmark.py), so the plain one goes first: k committed hits among its nearest
        # are the k nearest committed chunks. Only if uncommitted chunks (an interrupted run,
        # an ingest under way) crowd them out is the search repeated, filtered by version.
        n = min(total, k + 16)
        hits, returned = self._nearest(vector, n, where, versions)
        if len(hits) < k and returned == n:
            committed: dict[str, Any] = {"version": {"$in": sorted(set(versions.values()))}}
            both = {"$and": [committed, where]} if where else committed
            hits, _ = self._nearest(vector, n, both, versions)
        return hits[:k]

    def _exact(
        self,
        query: np.ndarray,
        k: int,
        where: dict[str, Any] | None,
        versions: dict[str, str],
    ) -> list[Hit]:
        """The k committed chunks of highest cosine similarity, ties in stored order; `where`
        is asked of Chroma's metadata as a set of ids, so it means what it means there."""
        ids, unit = self._vectors(versions)
        if where is not None:
            allowed = set(self.chunks.get(where=where, include=[])["ids"])
            rows = np.fromiter((i for i, cid in enumerate(ids) if cid in allowed), dtype=np.int64)
        else:
            rows = np.arange(len(ids))
        norm = float(np.linalg.norm(query))
        if not len(rows) or norm == 0.0:
            return []
        scores = unit[rows] @ (query / norm)
        order = np.argsort(-scores, kind="stable")[:k]
        chosen = {ids[rows[i]]: float(scores[i]) for i in order}
        raw = self.chunks.get(ids=list(chosen), include=["documents", "metadatas"])
        found = {
            cid: Chunk.from_metadata(text, meta)
            for cid, text, meta in zip(raw["ids"], raw["documents"], raw["metadatas"], strict=True)
        }
        return [Hit(found[cid], score) for cid, score in chosen.items() if cid in found]

    def _vectors(self, versions: dict[str, str]) -> tuple[list[str], np.ndarray]:
        """The committed chunks' ids and unit vectors, read once for these committed versions
        (a snapshot's never change; on a server a commit changes them, and they are read again)."""
        key = tuple(sorted(versions.items()))
        with self._switch:
            if self._matrix is not None and self._matrix[0] == key:
                return self._matrix[1], self._matrix[2]
        ids: list[str] = []
        parts: list[np.ndarray] = []
        for raw in self._batches(self.chunks, ["embeddings"]):
            vectors = np.asarray(raw["embeddings"], dtype=np.float32)
            keep = [i for i, cid in enumerate(raw["ids"]) if _committed(cid, versions)]
            ids.extend(raw["ids"][i] for i in keep)
            parts.append(vectors[keep])
        unit = np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)
        if len(unit):
            unit /= np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), 1e-12)
        with self._switch:
            self._matrix = (key, ids, unit)
        return ids, unit

    def _nearest(
        self,
        vector: list[list[float]],
        n: int,
        where: dict[str, Any] | None,
        versions: dict[str, str],
    ) -> tuple[list[Hit], int]:
        """The committed hits among Chroma's `n` nearest, and how many Chroma returned."""
        raw = self.chunks.query(
            query_embeddings=vector,
            n_results=n,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        hits = []
        for text, meta, dist in zip(
            raw["documents"][0], raw["metadatas"][0], raw["distances"][0], strict=True
        ):
            chunk = Chunk.from_metadata(text, meta)
            if versions.get(chunk.doc_id) == chunk.version:
                hits.append(Hit(chunk, 1.0 - float(dist)))
        return hits, len(raw["ids"][0])

    @_translating
    def iter_chunks(self, versions: dict[str, str] | None = None) -> Iterator[Chunk]:
        """Every committed chunk, in batches; for keyword indexes and evaluation."""
        versions = self.committed_versions() if versions is None else versions
        for raw in self._batches(self.chunks, ["documents", "metadatas"]):
            for text, meta in zip(raw["documents"], raw["metadatas"], strict=True):
                chunk = Chunk.from_metadata(text, meta)
                if versions.get(chunk.doc_id) == chunk.version:
                    yield chunk

    @_translating
    def get_chunks(self, ids: Iterable[str]) -> list[Chunk]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return []
        raw = self.chunks.get(ids=ids, include=["documents", "metadatas"])
        by_id = {
            cid: Chunk.from_metadata(text, meta)
            for cid, text, meta in zip(raw["ids"], raw["documents"], raw["metadatas"], strict=True)
        }
        return [by_id[i] for i in ids if i in by_id]

    @_translating
    def page_text(self, doc_id: str, page: int, version: str | None = None) -> str | None:
        """The committed text of one page: what every quote citing it must be part of."""
        if version is None:
            info = self.document(doc_id)
            if info is None:
                return None
            version = info.version
        raw = self.pages.get(ids=[page_id(doc_id, version, page)], include=["documents"])
        return raw["documents"][0] if raw["ids"] else None

    @_translating
    def counts(self) -> dict[str, int]:
        docs = self.documents()
        return {
            "documents": sum(1 for d in docs if d.kind == "publication" and d.pages > 0),
            "milestones": sum(d.chunks for d in docs if d.kind == "milestone"),
            "chunks": sum(d.chunks for d in docs),
            "stored_chunks": self.chunks.count(),
            "pages": sum(d.pages for d in docs),
        }


class _Nothing:
    """A collection of an index that has none yet: every read finds nothing."""

    def get(self, ids: Sequence[str] | None = None, **_: Any) -> dict[str, list]:
        return {"ids": [], "documents": [], "metadatas": []}

    def count(self) -> int:
        return 0


def _snapshot_collection(client: ClientAPI | None, name: str) -> Any:
    from chromadb.errors import NotFoundError

    if client is None:
        return _Nothing()
    try:
        return client.get_collection(name, embedding_function=None)
    except (NotFoundError, ValueError):
        return _Nothing()


def _committed(chunk_id: str, versions: dict[str, str]) -> bool:
    doc_id, version = chunk_owner(chunk_id)
    return versions.get(doc_id) == version


def _batched(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
