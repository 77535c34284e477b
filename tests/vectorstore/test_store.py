"""Store against real Chroma, embedded and server alike (every test runs on both); its search
exact and by Chroma's HNSW alike."""

from __future__ import annotations

import numpy as np
import pytest

import vectorstore.store as store_module
from tests.vectorstore.helpers import CrashAtCommit, SimulatedCrash, make_doc, stored
from vectorstore.embeddings import Embedder
from vectorstore.records import chunk_id
from vectorstore.store import Store

ALPHA = [
    "Victims were recruited with false promises of work abroad. "
    "Recruiters confiscated their passports on arrival",
    "",
    "Labour inspectors visited strawberry farms during the harvest. "
    "They found workers sleeping in containers",
]
BETA = ["Brokers recruited kidney donors through newspaper advertisements in Cairo"]


@pytest.fixture
def store(any_store: Store) -> Store:
    """The store's contract holds on both clients, embedded and server."""
    return any_store


@pytest.fixture(params=["exact", "hnsw"])
def searching(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, store: Store
) -> Store:
    """The store, searched exactly (up to EXACT_UP_TO chunks) or by Chroma's HNSW (above it):
    the search's contract holds both ways."""
    if request.param == "hnsw":
        monkeypatch.setattr(store_module, "EXACT_UP_TO", 0)
    return store


def test_write_and_read_back(store: Store, embedder: Embedder) -> None:
    doc = make_doc(embedder, "alpha", "v1", ALPHA, labels=["i", "ii", "1"])
    doc.write(store)

    assert store.documents() == [doc.info]
    assert store.document("alpha") == doc.info
    assert store.document("missing") is None
    assert len(doc.chunks) == 4
    assert store.get_chunks([c.id for c in reversed(doc.chunks)]) == doc.chunks[::-1]
    assert list(store.iter_chunks()) == doc.chunks
    assert store.counts() == {
        "documents": 1,
        "milestones": 0,
        "chunks": 4,
        "stored_chunks": 4,
        "pages": 3,
    }
    query = embedder.encode(["workers sleeping in containers on a farm"])[0]
    hits = store.search(query, k=2)
    assert hits[0].chunk.id == chunk_id("alpha", "v1", 3)
    assert hits[0].chunk.text == "They found workers sleeping in containers"
    assert hits[0].chunk.page == 3 and hits[0].chunk.page_label == "1"
    assert 0.5 < hits[0].score <= 1.0001
    assert hits[0].score >= hits[1].score


def test_page_text_is_the_committed_page(store: Store, embedder: Embedder) -> None:
    make_doc(embedder, "alpha", "v1", ALPHA).write(store)

    assert store.page_text("alpha", 1) == ALPHA[0]
    assert store.page_text("alpha", 2) == ""  # a blank page is stored, just empty
    assert store.page_text("alpha", 3) == ALPHA[2]
    assert store.page_text("alpha", 4) is None
    assert store.page_text("nobody", 1) is None

    make_doc(embedder, "alpha", "v2", ["A new first page. Nothing else"]).write(store)
    assert store.page_text("alpha", 1) == "A new first page. Nothing else"
    assert store.page_text("alpha", 3) is None
    assert store.page_text("alpha", 1, version="v1") is None  # old version is gone


def test_replacing_leaves_only_the_new_version(store: Store, embedder: Embedder) -> None:
    make_doc(embedder, "alpha", "v1", ALPHA).write(store)
    new = make_doc(embedder, "alpha", "v2", ["Only one sentence now"])
    new.write(store)

    assert store.document("alpha") == new.info
    assert {m["version"] for m in stored(store, "chunks")} == {"v2"}
    assert {m["version"] for m in stored(store, "pages")} == {"v2"}
    assert store.counts()["stored_chunks"] == store.counts()["chunks"] == 1


def test_uncommitted_chunks_are_invisible_then_collected(
    searching: Store, embedder: Embedder
) -> None:
    old = make_doc(embedder, "alpha", "v1", ALPHA)
    old.write(searching)
    new = make_doc(embedder, "alpha", "v2", [*ALPHA[:2], "Rewritten third page. About farms"])
    real_docs = searching.docs
    searching._collections["documents"] = CrashAtCommit(real_docs)
    with pytest.raises(SimulatedCrash):
        new.write(searching)
    searching._collections["documents"] = real_docs

    # Both versions are physically there; only v1 is committed.
    assert len(stored(searching, "chunks", version="v2")) == len(new.chunks) == 4
    assert len(stored(searching, "pages", version="v2")) == 3
    assert searching.document("alpha") == old.info
    counts = searching.counts()
    assert (counts["chunks"], counts["stored_chunks"]) == (4, 8)

    # A query that is exactly the uncommitted chunk still only finds committed ones.
    hits = searching.search(new.vectors[3], k=8)
    assert len(hits) == 4
    assert {h.chunk.version for h in hits} == {"v1"}
    assert [c.version for c in searching.iter_chunks()] == ["v1"] * 4
    assert searching.page_text("alpha", 3) == ALPHA[2]

    assert searching.collect_garbage() == 4 + 3
    assert stored(searching, "chunks", version="v2") == []
    assert stored(searching, "pages", version="v2") == []
    assert len(stored(searching, "chunks", version="v1")) == 4
    assert searching.collect_garbage() == 0
    assert searching.document("alpha") == old.info


def test_leftovers_cannot_crowd_committed_hits_out(searching: Store, embedder: Embedder) -> None:
    """An interrupted write can leave many chunks closer to a query than any committed one."""
    beta = make_doc(embedder, "beta", "v1", BETA)
    beta.write(searching)
    orphan = make_doc(embedder, "orphan", "v9", [". ".join(["Same sentence again"] * 40)])
    assert len(orphan.chunks) == 40
    searching.chunks.upsert(
        ids=[c.id for c in orphan.chunks],
        embeddings=orphan.vectors.tolist(),
        documents=[c.text for c in orphan.chunks],
        metadatas=[c.to_metadata() for c in orphan.chunks],
    )

    hits = searching.search(orphan.vectors[0], k=1)

    assert [h.chunk.id for h in hits] == [beta.chunks[0].id]


def test_search_honours_where_and_k(searching: Store, embedder: Embedder) -> None:
    make_doc(embedder, "alpha", "v1", ALPHA, year=2008).write(searching)
    make_doc(embedder, "beta", "v1", BETA, year=2013).write(searching)
    query = embedder.encode(["recruitment of victims"])[0]

    assert {h.chunk.doc_id for h in searching.search(query, k=10)} == {"alpha", "beta"}
    assert len(searching.search(query, k=10)) == 5
    assert len(searching.search(query, k=2)) == 2
    assert searching.search(query, k=0) == []
    only_beta = searching.search(query, k=10, where={"year": {"$gte": 2010}})
    assert [h.chunk.doc_id for h in only_beta] == ["beta"]
    both = searching.search(query, k=10, where={"$and": [{"year": {"$gte": 2000}}, {"page": 3}]})
    assert sorted(h.chunk.index for h in both) == [2, 3]


def test_search_is_exact_cosine_in_a_stable_order(store: Store, embedder: Embedder) -> None:
    """The nearest chunks by cosine, every one of them, ranked the same way on every call."""
    alpha = make_doc(embedder, "alpha", "v1", ALPHA)
    beta = make_doc(embedder, "beta", "v1", BETA)
    alpha.write(store)
    beta.write(store)
    chunks = alpha.chunks + beta.chunks
    vectors = np.concatenate([alpha.vectors, beta.vectors])
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    query = embedder.encode(["passports taken by recruiters"])[0]
    cosine = unit @ (query / np.linalg.norm(query))

    hits = store.search(query, k=len(chunks))

    expected = [chunks[i].id for i in np.argsort(-cosine, kind="stable")]
    assert [h.chunk.id for h in hits] == expected
    assert [h.score for h in hits] == pytest.approx(sorted(cosine, reverse=True), abs=1e-5)
    assert [h.chunk.id for h in store.search(query, k=3)] == expected[:3]
    # The same vector twice over: a tie, broken the same way each time.
    twin = make_doc(embedder, "twin", "v1", [BETA[0]])
    twin.write(store)
    ties = [[h.chunk.doc_id for h in store.search(beta.vectors[0], k=2)] for _ in range(3)]
    assert sorted(ties[0]) == ["beta", "twin"] and ties.count(ties[0]) == 3


def test_search_sees_each_commit(searching: Store, embedder: Embedder) -> None:
    """What a search reads is kept only for the documents committed when it was read."""
    make_doc(embedder, "alpha", "v1", ALPHA).write(searching)
    query = embedder.encode(["kidney donors recruited through advertisements"])[0]
    assert {h.chunk.doc_id for h in searching.search(query, k=5)} == {"alpha"}

    beta = make_doc(embedder, "beta", "v1", BETA)
    beta.write(searching)
    assert searching.search(query, k=1)[0].chunk.id == beta.chunks[0].id

    searching.delete_document("beta")
    assert {h.chunk.doc_id for h in searching.search(query, k=5)} == {"alpha"}


def test_search_on_an_empty_index(searching: Store, embedder: Embedder) -> None:
    assert searching.search(np.ones(embedder.dimension, dtype=np.float32), k=5) == []
    assert searching.documents() == []
    assert list(searching.iter_chunks()) == []


def test_delete_document(store: Store, embedder: Embedder) -> None:
    alpha = make_doc(embedder, "alpha", "v1", ALPHA)
    beta = make_doc(embedder, "beta", "v1", BETA)
    alpha.write(store)
    beta.write(store)

    assert store.delete_document("alpha") is True

    assert store.documents() == [beta.info]
    assert stored(store, "chunks", doc_id="alpha") == []
    assert stored(store, "pages", doc_id="alpha") == []
    assert store.page_text("alpha", 1) is None
    assert list(store.iter_chunks()) == beta.chunks
    assert store.delete_document("alpha") is False
    assert store.counts()["stored_chunks"] == 1


def test_write_refuses_mismatched_embeddings(store: Store, embedder: Embedder) -> None:
    from vectorstore.errors import StoreError

    doc = make_doc(embedder, "alpha", "v1", ALPHA)
    with pytest.raises(StoreError, match="alpha: 4 chunks but 3 embeddings"):
        store.write_document(doc.info, doc.pages, doc.chunks, doc.vectors[:3])
    assert store.documents() == []
    assert stored(store, "chunks") == []
