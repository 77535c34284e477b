"""Pipeline on generated PDFs, the real model and embedded Chroma (the store's own tests cover
the server client; tests/faults run the pipeline against a real server)."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ingest import catalogue
from ingest import sources as sources_module
from ingest.cli import cli
from ingest.errors import IngestError
from ingest.pipeline import CATALOGUE_ID, MILESTONES_ID, DocReport, Pipeline
from ingest.settings import IngestSettings
from ingest.sources import Source, file_hash, from_path
from tests import pdf_factory
from tests.vectorstore.helpers import CrashAtCommit, SimulatedCrash
from vectorstore.client import connect
from vectorstore.embeddings import Embedder, get_embedder
from vectorstore.index import Index
from vectorstore.records import MILESTONE, PUBLICATION, Chunk
from vectorstore.settings import StoreSettings
from vectorstore.store import Store

TOPICS = {
    "alpha": "Recruiters promised work in hotels abroad and confiscated passports on arrival.",
    "beta": "Labour inspectors found seasonal workers sleeping in containers on farms.",
    "gamma": "Brokers advertised kidney donations in newspapers and paid less than promised.",
    "delta": "Judges discussed the definition of exploitation in the national case law.",
    "epsilon": "Hotlines received calls from domestic workers whose wages were withheld.",
}


def body(topic: str, page: int, sentences: int = 6) -> str:
    return " ".join(f"Page {page}, finding {i}: {TOPICS[topic]}" for i in range(sentences))


def make_pdf(folder: Path, name: str, topic: str | None = None, pages: int = 2, **kw: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    topic = topic or name
    return pdf_factory.text_pdf(
        folder / f"{name}.pdf", [body(topic, p) for p in range(1, pages + 1)], **kw
    )


@pytest.fixture
def pipeline(store: Store, atp_data_dir: Path) -> Pipeline:
    return Pipeline(store, IngestSettings.from_env({}), atp_data_dir)


def stored_chunks(store: Store, doc_id: str | None = None) -> list[dict[str, Any]]:
    raw = store.chunks.get(where={"doc_id": doc_id} if doc_id else None, include=["metadatas"])
    return list(raw["metadatas"])


def assert_no_orphans(store: Store) -> None:
    """Every stored chunk and page belongs to the committed version of its document."""
    counts = store.counts()
    assert counts["stored_chunks"] == counts["chunks"]
    versions = store.committed_versions()
    for col in (store.chunks, store.pages):
        metas = col.get(include=["metadatas"])["metadatas"]
        assert all(versions.get(m["doc_id"]) == m["version"] for m in metas)
    assert store.pages.count() == counts["pages"]


def library(data_dir: Path) -> list[str]:
    return sorted(p.name.split(".")[0] for p in (data_dir / "library").glob("*"))


# -- one document ------------------------------------------------------------------------------


def test_add_a_pdf_with_page_labels(pipeline: Pipeline, store: Store, tmp_path: Path) -> None:
    path = pdf_factory.text_pdf(
        tmp_path / "Annual_Report_2011.pdf",
        [
            "Annual report on the fight against trafficking in human beings, 2011 edition.",
            "",
            body("alpha", 3, sentences=14),
            body("beta", 4, sentences=3),
        ],
        page_labels=[(0, "/r", 1), (2, "/D", 1)],
        title="Metadata title is not used when a title is given",
    )
    source = from_path(path, title="Annual Report", doc_type="study")

    report = pipeline.ingest([source])

    [doc] = report.documents
    assert (doc.status, doc.error) == ("added", None)
    assert (doc.doc_id, doc.title, doc.pages, doc.empty_pages) == (
        "annual-report-2011",
        "Annual Report",
        4,
        1,
    )
    info = store.document("annual-report-2011")
    assert info is not None
    assert (info.title, info.year, info.doc_type, info.kind) == (
        "Annual Report",
        2011,
        "study",
        PUBLICATION,
    )
    assert info.pages == 4 and info.chunks == doc.chunks >= 4
    assert info.empty_pages == [2]
    assert info.page_labels == {"1": "i", "2": "ii", "3": "1", "4": "2"}
    assert info.content_hash == file_hash(path)
    assert info.source == str(path.resolve())
    assert info.warnings == ["1 of 4 pages have no text layer"]
    assert Path(info.cached_path).read_bytes() == path.read_bytes()
    assert Path(info.cached_path).parent == pipeline.data_dir / "library"

    metas = sorted(stored_chunks(store), key=lambda m: m["chunk_index"])
    assert [m["chunk_index"] for m in metas] == list(range(info.chunks))
    labels = {1: "i", 3: "1", 4: "2"}
    for meta in metas:
        assert meta["doc_id"] == meta["ref_id"] == "annual-report-2011"
        assert (meta["title"], meta["year"], meta["doc_type"]) == ("Annual Report", 2011, "study")
        assert meta["kind"] == PUBLICATION
        assert meta["page_label"] == labels[meta["page"]]
        assert meta["content_hash"] == info.content_hash
        assert meta["version"] == info.version
        assert meta["url"] == ""
    assert {m["page"] for m in metas} == {1, 3, 4}
    assert sum(m["page"] == 3 for m in metas) >= 2  # a long page gives several chunks

    for chunk in store.iter_chunks():
        page_text = store.page_text(chunk.doc_id, chunk.page or 0)
        assert page_text is not None and page_text[chunk.start : chunk.end] == chunk.text
    assert store.page_text("annual-report-2011", 2) == ""
    assert_no_orphans(store)


def test_title_comes_from_pdf_metadata_then_file_name(pipeline: Pipeline, tmp_path: Path) -> None:
    titled = make_pdf(tmp_path, "titled_file", "alpha", title="Handbook on Data Collection")
    untitled = make_pdf(tmp_path, "listening_to_victims", "beta")

    report = pipeline.ingest([from_path(titled), from_path(untitled)])

    assert [d.title for d in report.documents] == [
        "Handbook on Data Collection",
        "Listening to victims",
    ]


def test_unchanged_file_is_skipped_without_loading_the_model(
    pipeline: Pipeline, store: Store, tmp_path: Path
) -> None:
    path = make_pdf(tmp_path, "alpha")
    first = pipeline.ingest([from_path(path)]).documents[0]
    assert first.status == "added"
    assert pipeline.ingest_milestones().status == "added"
    before = store.document("alpha")

    # a model nobody has loaded yet
    fresh = get_embedder(store.embedder.backend, store.embedder.model_path)
    again = Pipeline(
        Store(store.client, fresh, store.name), IngestSettings.from_env({}), pipeline.data_dir
    )
    report = again.ingest([from_path(path)])

    [doc] = report.documents
    assert (doc.status, doc.pages, doc.chunks) == ("unchanged", 2, first.chunks)
    assert again.ingest_milestones().status == "unchanged"
    assert fresh._model is None
    assert store.document("alpha") == before
    # The check can fail: anything new does load the model.
    assert again.ingest_catalogue_records().status == "added"
    assert fresh._model is not None


def test_changed_file_is_replaced_without_duplicates(
    pipeline: Pipeline, store: Store, tmp_path: Path
) -> None:
    path = make_pdf(tmp_path, "alpha", pages=3)
    pipeline.ingest([from_path(path)])
    old = store.document("alpha")
    assert old is not None and old.pages == 3

    make_pdf(tmp_path, "alpha", "gamma", pages=2)  # same name, other content
    report = pipeline.ingest([from_path(path)])

    [doc] = report.documents
    assert doc.status == "replaced" and doc.pages == 2
    new = store.document("alpha")
    assert new is not None and new.version != old.version
    assert (new.pages, new.content_hash) == (2, file_hash(path))
    assert [d.id for d in store.documents()] == ["alpha"]
    assert {m["version"] for m in stored_chunks(store, "alpha")} == {new.version}
    assert len(stored_chunks(store, "alpha")) == new.chunks
    assert store.page_text("alpha", 3) is None
    assert "kidney" in (store.page_text("alpha", 1) or "")
    assert_no_orphans(store)
    assert library(pipeline.data_dir) == ["alpha"]  # the old copy is gone


def test_force_rewrites_the_same_version(pipeline: Pipeline, store: Store, tmp_path: Path) -> None:
    path = make_pdf(tmp_path, "alpha")
    pipeline.ingest([from_path(path)])
    old = store.document("alpha")

    [doc] = pipeline.ingest([from_path(path)], force=True).documents

    assert doc.status == "replaced"
    new = store.document("alpha")
    assert old is not None and new is not None and new.version == old.version
    assert_no_orphans(store)


def test_sync_adds_replaces_and_removes(pipeline: Pipeline, store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "pubs"
    for name in ("alpha", "beta", "gamma"):
        make_pdf(folder, name)
    (folder / "notes.txt").write_text("not a pdf, not ingested")
    outside = make_pdf(tmp_path / "elsewhere", "epsilon")
    pipeline.ingest([from_path(outside)])

    first = pipeline.sync(folder)
    assert {d.doc_id: d.status for d in first.documents} == {
        "alpha": "added",
        "beta": "added",
        "gamma": "added",
    }

    make_pdf(folder, "beta", "delta")  # changed
    (folder / "gamma.pdf").unlink()  # deleted
    make_pdf(folder / "sub", "delta")  # new, in a subfolder
    second = pipeline.sync(folder)

    assert {d.doc_id: d.status for d in second.documents} == {
        "alpha": "unchanged",
        "beta": "replaced",
        "delta": "added",
        "gamma": "removed",
    }
    assert second.summary().startswith("1 added, 1 replaced, 1 unchanged, 1 removed in ")
    assert [d.id for d in store.documents()] == ["alpha", "beta", "delta", "epsilon"]
    assert "judges" in (store.page_text("beta", 1) or "").lower()
    assert_no_orphans(store)
    assert library(pipeline.data_dir) == ["alpha", "beta", "delta", "epsilon"]

    third = pipeline.sync(folder)
    assert {d.status for d in third.documents} == {"unchanged"}


def test_sync_of_a_missing_folder_fails(pipeline: Pipeline, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="not a folder"):
        pipeline.sync(tmp_path / "nowhere")


def test_remove(pipeline: Pipeline, store: Store, tmp_path: Path) -> None:
    pipeline.ingest([from_path(make_pdf(tmp_path, "alpha")), from_path(make_pdf(tmp_path, "beta"))])

    assert pipeline.remove("alpha").status == "removed"

    assert [d.id for d in store.documents()] == ["beta"]
    assert stored_chunks(store, "alpha") == []
    assert library(pipeline.data_dir) == ["beta"]
    with pytest.raises(IngestError, match="no such document"):
        pipeline.remove("alpha")


# -- broken files ------------------------------------------------------------------------------


def test_broken_pdfs_are_reported_and_skipped(
    pipeline: Pipeline, store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    make_pdf(folder, "good", "alpha")
    pdf_factory.encrypted_pdf(folder / "open-encrypted.pdf", "Readable: " + TOPICS["beta"], "")
    pdf_factory.corrupt_pdf(folder / "corrupt.pdf")
    pdf_factory.encrypted_pdf(folder / "locked.pdf")
    pdf_factory.zero_byte_pdf(folder / "empty.pdf")
    pdf_factory.html_as_pdf(folder / "error-page.pdf")
    pdf_factory.image_only_pdf(folder / "scan.pdf", pages=2)

    report = pipeline.sync(folder)

    statuses = {d.doc_id: d.status for d in report.documents}
    assert statuses == {
        "corrupt": "failed",
        "empty": "failed",
        "error-page": "failed",
        "good": "added",
        "locked": "failed",
        "open-encrypted": "added",
        "scan": "failed",
    }
    reasons = {d.doc_id: d.error or "" for d in report.failures}
    assert "the PDF structure cannot be parsed" in reasons["corrupt"]
    assert reasons["empty"] == "the file is empty (0 bytes)"
    assert "an HTML page" in reasons["error-page"]
    assert "password-protected" in reasons["locked"]
    assert reasons["scan"] == "no extractable text in 2 pages (scanned images?)"
    assert [d.id for d in store.documents()] == ["good", "open-encrypted"]
    assert_no_orphans(store)
    assert "5 failed" in report.summary()
    assert all(line.startswith("FAILED   ") for line in (d.line() for d in report.failures))


def test_an_id_naming_a_path_fails_that_document_only(
    pipeline: Pipeline, store: Store, tmp_path: Path, atp_data_dir: Path
) -> None:
    pdf = make_pdf(tmp_path / "in", "alpha")
    hostile = Source(doc_id="../../escape", origin=str(pdf), path=pdf)

    report = pipeline.ingest([hostile, from_path(make_pdf(tmp_path / "in", "beta"))])

    assert [(d.doc_id, d.status) for d in report.documents] == [
        ("../../escape", "failed"),
        ("beta", "added"),
    ]
    assert "not a usable document id" in (report.documents[0].error or "")
    assert not list(tmp_path.rglob("escape*"))
    assert [d.id for d in store.documents()] == ["beta"]


def test_an_unforeseen_parser_error_fails_that_document_only(
    pipeline: Pipeline, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A parser bug can't be produced on demand with a real PDF, so this one document's read
    # raises what pypdf sometimes raises on odd files that are not IngestError or OSError.
    from ingest import pipeline as pipeline_module

    real_read = pipeline_module.read_pdf

    def read(path: Path, origin: str, on_page=None):  # type: ignore[no-untyped-def]
        if path.stem == "alpha":
            raise ValueError("invalid literal for int() with base 10: b'x'")
        return real_read(path, origin, on_page)

    monkeypatch.setattr(pipeline_module, "read_pdf", read)
    folder = tmp_path / "in"
    make_pdf(folder, "alpha")
    make_pdf(folder, "beta")

    report = pipeline.sync(folder)

    statuses = {d.doc_id: (d.status, d.error) for d in report.documents}
    assert statuses["beta"] == ("added", None)
    assert statuses["alpha"] == (
        "failed",
        "could not be read (ValueError: invalid literal for int() with base 10: b'x')",
    )
    assert_no_orphans(store)


def test_a_file_turning_bad_keeps_the_old_version(
    pipeline: Pipeline, store: Store, tmp_path: Path
) -> None:
    path = make_pdf(tmp_path, "alpha")
    pipeline.ingest([from_path(path)])
    old = store.document("alpha")
    pdf_factory.corrupt_pdf(path)

    [doc] = pipeline.ingest([from_path(path)]).documents

    assert doc.status == "failed"
    assert doc.error is not None and doc.error.endswith("(the previously ingested version is kept)")
    assert store.document("alpha") == old
    assert_no_orphans(store)


def test_a_run_cleans_up_after_an_interrupted_one(
    pipeline: Pipeline, store: Store, tmp_path: Path
) -> None:
    path = make_pdf(tmp_path, "alpha")
    real_docs = store.docs
    store._collections["documents"] = CrashAtCommit(real_docs)
    with pytest.raises(SimulatedCrash):
        pipeline.ingest([from_path(path)])
    store._collections["documents"] = real_docs
    left = store.counts()
    assert (left["chunks"], left["stored_chunks"] > 0) == (0, True)
    assert store.search(store.embedder.encode([TOPICS["alpha"]])[0], k=3) == []

    report = pipeline.ingest([from_path(path)])

    assert report.removed_orphans == left["stored_chunks"] + 2  # chunks and both pages
    assert report.documents[0].status == "added"
    assert_no_orphans(store)


# -- package data records ----------------------------------------------------------------------


def test_milestones_and_catalogue_records(pipeline: Pipeline, store: Store) -> None:
    milestones = pipeline.ingest_milestones()
    records = pipeline.ingest_catalogue_records()

    assert (milestones.status, milestones.chunks) == ("added", len(catalogue.milestones()))
    assert (records.status, records.chunks) == ("added", len(catalogue.publications()))
    counts = store.counts()
    assert counts == {
        "documents": 0,
        "milestones": 27,
        "chunks": 27 + 22,
        "stored_chunks": 49,
        "pages": 0,
    }
    chunks = list(store.iter_chunks())
    by_doc: dict[str, list[Chunk]] = {MILESTONES_ID: [], CATALOGUE_ID: []}
    for chunk in chunks:
        by_doc[chunk.doc_id].append(chunk)
    ms = {c.ref_id: c for c in by_doc[MILESTONES_ID]}
    assert set(ms) == {m.id for m in catalogue.milestones()}
    for m in catalogue.milestones():
        chunk = ms[m.id]
        assert chunk.kind == MILESTONE
        assert (chunk.year, chunk.period_start) == (m.year_label, m.period[0])
        assert chunk.text.startswith(m.record_text())
        assert chunk.page is None and chunk.doc_type == "milestone"
    brazil = ms["ms-2014-brazil"]
    assert "Related publications: " in brazil.text
    assert brazil.url == catalogue.publication("transatlantic-journeys").url
    pubs = {c.ref_id: c for c in by_doc[CATALOGUE_ID]}
    assert set(pubs) == {p.id for p in catalogue.publications()}
    for p in catalogue.publications():
        assert (pubs[p.id].kind, pubs[p.id].year, pubs[p.id].url) == (PUBLICATION, p.year, p.url)
        assert pubs[p.id].text == p.record_text()
    assert [d.id for d in store.documents()] == [MILESTONES_ID, CATALOGUE_ID]
    assert store.document(MILESTONES_ID).kind == MILESTONE  # type: ignore[union-attr]

    assert pipeline.ingest_milestones().status == "unchanged"
    assert pipeline.ingest_catalogue_records().status == "unchanged"
    assert_no_orphans(store)


# -- the catalogue run without a network -------------------------------------------------------


def closed_port() -> int:
    """A port on 127.0.0.1 that refuses connections (bound, never listened on, then freed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def offline_catalogue(monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[Source]]:
    """The packaged catalogue with every URL moved to a closed port on 127.0.0.1.

    Patched at `ingest.sources.from_catalogue`, where entries become Sources: the real
    Downloader, httpx and a real refused connection still decide what happens, and only
    the host is swapped. Letting the real URLs through would depend on whether this machine
    happens to have a network; patching the Downloader would skip the fail-fast logic under test.
    """
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    host = f"127.0.0.1:{closed_port()}"
    real = sources_module.from_catalogue()
    moved = [
        Source(**{**s.__dict__, "url": s.url.replace("https://www.icmpd.org", f"http://{host}")})
        for s in real
        if s.url
    ]
    assert len(moved) == 22 and all(host in (s.url or "") for s in moved)
    monkeypatch.setattr(sources_module, "from_catalogue", lambda: moved)
    return host, moved


def test_catalogue_run_without_network_fails_fast_per_document(
    pipeline: Pipeline, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    host, moved = offline_catalogue(monkeypatch)

    started = time.monotonic()
    report = pipeline.ingest_catalogue()
    elapsed = time.monotonic() - started

    assert [(d.doc_id, d.status) for d in report.documents[:2]] == [
        (MILESTONES_ID, "added"),
        (CATALOGUE_ID, "added"),
    ]
    failed = report.documents[2:]
    assert [d.doc_id for d in failed] == [s.doc_id for s in moved]
    assert {d.status for d in failed} == {"failed"}
    assert {d.error for d in failed} == {f"cannot reach {host} (connection refused) - no network?"}
    assert elapsed < 30  # no retries with back-off, no 30 s timeouts per document
    assert [d.id for d in store.documents()] == [MILESTONES_ID, CATALOGUE_ID]
    assert list((pipeline.data_dir / "downloads").glob("*")) == []


def test_catalogue_command_without_network_exits_non_zero(
    store: Store, atp_data_dir: Path, monkeypatch: pytest.MonkeyPatch, embedder: Embedder
) -> None:
    """The click command in this process (so the patched catalogue applies) and the
    session's model instead of a second copy."""
    host, _ = offline_catalogue(monkeypatch)
    monkeypatch.setattr("ingest.cli.open_index", lambda settings: Index(settings, embedder))

    result = CliRunner().invoke(cli, ["--data-dir", str(atp_data_dir), "catalogue"])

    assert result.exit_code == 1, result.output
    assert "2 added, 22 failed" in result.output
    assert f"FAILED   trm-eu-guidelines: cannot reach {host} (connection refused)" in result.output
    check = Store(connect(StoreSettings.from_env({}, data_dir=atp_data_dir)), embedder)
    assert check.counts()["milestones"] == 27


def test_report_lines_count_in_words() -> None:
    one = DocReport("memo", "Memo", "added", pages=1, chunks=1, empty_pages=1)
    many = DocReport("study", "Study", "replaced", pages=12, chunks=30, empty_pages=2)

    assert one.line() == "added    memo (1 page, 1 chunk, 1 page without text)"
    assert many.line() == "replaced study (12 pages, 30 chunks, 2 pages without text)"


def test_a_replaced_or_removed_pdf_stays_citable_until_the_run_is_published(
    tmp_path: Path, atp_data_dir: Path, embedder: Embedder
) -> None:
    """Embedded, readers keep the published index during a run; the PDF copies its sources
    open must outlive the run, and go once the run is published."""
    index = Index(StoreSettings.from_env({}, data_dir=atp_data_dir), embedder)
    settings = IngestSettings.from_env({})
    with index.writer() as store:
        Pipeline(store, settings, atp_data_dir).ingest([from_path(make_pdf(tmp_path, "alpha"))])
    first = Path(index.reader().document("alpha").cached_path)
    assert first.exists()

    changed = make_pdf(tmp_path / "v2", "alpha", topic="beta")
    with index.writer() as store:
        report = Pipeline(store, settings, atp_data_dir).ingest([from_path(changed)])
        assert report.documents[0].status == "replaced", report.documents[0]
        cited = Path(index.reader().document("alpha").cached_path)  # what readers cite now
        assert cited == first and cited.exists()
    second = Path(index.reader().document("alpha").cached_path)
    assert second != first and second.exists() and not first.exists()

    with index.writer() as store:
        Pipeline(store, settings, atp_data_dir).remove("alpha")
        assert second.exists() and index.reader().document("alpha") is not None
    assert not second.exists() and index.reader().document("alpha") is None
