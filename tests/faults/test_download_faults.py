"""Download faults through the real ingest: the default catalogue run (`python -m ingest`,
via click in this process) against a local server whose URLs are slow, fail, cut the body
short or serve HTML. Only the catalogue's URL list and the model instance are swapped in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from assistant.backends import get_backend
from assistant.chat import Assistant
from assistant.settings import AssistantSettings
from ingest import sources as sources_module
from ingest.cli import cli
from ingest.download import PDF_END, PDF_SIGNATURE, Downloader
from ingest.sources import Source
from tests import pdf_factory
from tests.http_site import Reply, Site
from vectorstore.client import connect
from vectorstore.embeddings import Embedder
from vectorstore.index import Index
from vectorstore.settings import StoreSettings
from vectorstore.store import Store

pytestmark = pytest.mark.slow  # back-off sleeps and read timeouts, about 10 s in all

RETRIES = 2  # ATP_DOWNLOAD_RETRIES: three attempts in all
READ_TIMEOUT = 0.5  # ATP_DOWNLOAD_TIMEOUT
HTML = b"<!DOCTYPE html><html><body><h1>Please log in</h1>" + b" " * 2000 + b"</body></html>"
FACTS = {
    "baseline": "The Belgrade outreach team met 88 domestic workers in community centres.",
    "steady": "The Sarajevo referral desk opened its doors on a Tuesday in spring 2009.",
    "renewed": "Judges in Skopje heard 19 exploitation cases during the pilot year.",
    "slow-report": "The Tirana shelter admitted 131 survivors after the reform.",
    "flaky-report": "Labour inspectors in Porto visited 57 tomato farms.",
    "broken-report": "Prosecutors in Varna reopened 12 recruitment cases.",
    "cut-report": "The Vilnius helpline answered 640 calls from seasonal workers.",
    "dropped-report": "Border guards at Kapitan Andreevo screened 75 bus passengers.",
    "login-page": "This text is never served.",
    "good-report": "The Chisinau hotline logged 904 calls in its first year.",
}
FILLER = "The team also reviewed cooperation agreements with partner organisations. " * 4


def make_pdf(folder: Path, doc_id: str) -> bytes:
    """Three pages; the fact sits on page 2 only, so a citation must point there."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = [f"{doc_id} report", f"Findings\n{FACTS[doc_id]} {FILLER}", f"Annex\n{FILLER}"]
    return pdf_factory.text_pdf(folder / f"{doc_id}.pdf", pages, title=doc_id).read_bytes()


@pytest.fixture(autouse=True)
def fast_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short timeouts and few retries through the documented settings; no developer proxy."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("ATP_DOWNLOAD_TIMEOUT", str(READ_TIMEOUT))
    monkeypatch.setenv("ATP_DOWNLOAD_RETRIES", str(RETRIES))


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    yield server
    server.stop()


@pytest.fixture
def ingest(monkeypatch: pytest.MonkeyPatch, embedder: Embedder, atp_data_dir: Path):
    """Run a CLI command in this process, on the session's model instead of a second copy."""
    monkeypatch.setattr("ingest.cli.open_index", lambda settings: Index(settings, embedder))

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--data-dir", str(atp_data_dir), *args])

    return run


def catalogue_of(monkeypatch: pytest.MonkeyPatch, urls: dict[str, str]) -> None:
    """The catalogue's publications become these URLs (ids as the catalogue would give)."""
    entries = [
        Source(doc_id=doc_id, origin=url, title=doc_id, year=2010, doc_type="study", url=url)
        for doc_id, url in urls.items()
    ]
    monkeypatch.setattr(sources_module, "from_catalogue", lambda: entries)


def fingerprint(store: Store, doc_id: str) -> tuple[object, ...]:
    """A document as a reader sees it: its record and a hash over its chunks and pages."""
    info = store.document(doc_id)
    assert info is not None, doc_id
    chunks = store.chunks.get(where={"doc_id": doc_id}, include=["documents", "embeddings"])
    pages = store.pages.get(where={"doc_id": doc_id}, include=["documents"])
    digest = hashlib.sha256()
    for cid, text, vector in sorted(
        zip(chunks["ids"], chunks["documents"], chunks["embeddings"], strict=True)
    ):
        digest.update(f"{cid}\n{text}\n{list(vector)[:8]}".encode())
    for pid, text in sorted(zip(pages["ids"], pages["documents"], strict=True)):
        digest.update(f"{pid}\n{text}".encode())
    return info.version, info.content_hash, info.chunks, len(chunks["ids"]), digest.hexdigest()


def assert_consistent(store: Store) -> None:
    """Every stored chunk and page belongs to the committed version of its document."""
    versions = store.committed_versions()
    for col in (store.chunks, store.pages):
        metas = col.get(include=["metadatas"])["metadatas"]
        assert all(versions.get(m["doc_id"]) == m["version"] for m in metas)
    counts = store.counts()
    assert counts["stored_chunks"] == counts["chunks"]


def assert_clean_cache(downloads: Path, expected: dict[str, bytes]) -> None:
    """Exactly the verified PDFs, byte for byte: no temp files, nothing cut, no HTML."""
    names = sorted(p.name for p in downloads.iterdir())
    downloader = Downloader(downloads)
    assert names == sorted(downloader.cached_path(url).name for url in expected), names
    for url, body in expected.items():
        saved = downloader.cached_path(url).read_bytes()
        assert saved == body, url
        assert saved.startswith(PDF_SIGNATURE) and PDF_END in saved[-1024:]


def cites(store: Store, question: str, doc_id: str) -> bool:
    """The offline answerer quotes page 2 of `doc_id` for its fact."""
    settings = AssistantSettings.from_env({})
    answer = Assistant(store, get_backend("extractive", settings), settings).ask(question)
    return any(s.doc_id == doc_id and s.page == 2 for s in answer.sources)


def test_faulty_download_server_during_the_catalogue_run(
    site: Site,
    ingest,
    tmp_path: Path,
    atp_data_dir: Path,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pdfs = {doc_id: make_pdf(tmp_path / "pubs", doc_id) for doc_id in FACTS}
    # Before the faults: one local file and two URLs are in the index.
    earlier = {d: site.serve(f"/pub/{d}.pdf", Reply(pdfs[d])) for d in ("steady", "renewed")}
    assert ingest("add", str(tmp_path / "pubs" / "baseline.pdf")).exit_code == 0
    for url in earlier.values():
        result = ingest("add", url)
        assert result.exit_code == 0, result.output
    store = Store(connect(StoreSettings.from_env({}, data_dir=atp_data_dir)), embedder)
    before = {d: fingerprint(store, d) for d in ("baseline", "steady", "renewed")}
    downloads = atp_data_dir / "downloads"
    # The cached copy of `renewed` is cleared, and its server now sends a login page.
    Downloader(downloads).cached_path(earlier["renewed"]).unlink()
    site.serve("/pub/renewed.pdf", Reply(HTML, content_type="text/html; charset=utf-8"))

    cut_length = len(pdfs["cut-report"])
    urls = {
        **earlier,
        "slow-report": site.serve(  # nothing within the read timeout, then fine
            "/pub/slow-report.pdf",
            Reply(pdfs["slow-report"], delay=3.0),
            Reply(pdfs["slow-report"]),
        ),
        "flaky-report": site.serve(
            "/pub/flaky-report.pdf", Reply(status=500), Reply(pdfs["flaky-report"])
        ),
        "broken-report": site.serve("/pub/broken-report.pdf", Reply(status=500)),
        "cut-report": site.serve(  # announces the full length, sends 1000 bytes
            "/pub/cut-report.pdf", Reply(pdfs["cut-report"], cut=1000)
        ),
        "dropped-report": site.serve(  # no length: the closed connection looks like the end
            "/pub/dropped-report.pdf", Reply(pdfs["dropped-report"], length=None, cut=1500)
        ),
        "login-page": site.serve(
            "/pub/login-page.pdf", Reply(HTML, content_type="text/html; charset=utf-8")
        ),
        "good-report": site.serve("/pub/good-report.pdf", Reply(pdfs["good-report"])),
    }
    catalogue_of(monkeypatch, urls)

    result = ingest("catalogue")

    assert result.exit_code == 1, result.output
    lines = result.stdout.strip().splitlines()
    html = "server returned HTML, not a PDF (content-type text/html)"
    gave_up = f"gave up after {RETRIES + 1} attempts"
    failed = {
        "renewed": f"{html} (the previously ingested version is kept)",
        "broken-report": f"HTTP 500 Internal Server Error; {gave_up}",
        "cut-report": f"download truncated: got 1000 of {cut_length} bytes; {gave_up}",
        "dropped-report": f"download truncated: connection closed after 1500 bytes; {gave_up}",
        "login-page": html,
    }
    for doc_id, reason in failed.items():
        assert f"FAILED   {doc_id}: {reason} (URL {urls[doc_id]})" in lines, lines
    assert [line.split()[:2] for line in lines if not line.startswith("FAILED")][:-1] == [
        ["added", "milestones"],
        ["added", "catalogue"],
        ["unchanged", "steady"],
        ["added", "slow-report"],
        ["added", "flaky-report"],
        ["added", "good-report"],
    ]
    assert lines[-1].startswith("5 added, 1 unchanged, 5 failed in "), lines
    # Not a terminal: stderr has a line per document started and finished, then the summary.
    progress = result.stderr.strip().splitlines()
    assert progress[-1] == (
        "5 document(s) not ingested: renewed, broken-report, cut-report, dropped-report, login-page"
    )
    assert sum(" started " in line for line in progress) == len(urls)
    assert sum(line.startswith("finished ") for line in progress) == len(urls)
    assert "Traceback" not in result.output
    # Retried exactly when another attempt could help; cached documents were not fetched.
    assert {path.split("/")[-1]: n for path, n in site.hits.items()} == {
        "steady.pdf": 1,
        "renewed.pdf": 2,
        "slow-report.pdf": 2,
        "flaky-report.pdf": 2,
        "broken-report.pdf": RETRIES + 1,
        "cut-report.pdf": RETRIES + 1,
        "dropped-report.pdf": RETRIES + 1,
        "login-page.pdf": 1,
        "good-report.pdf": 1,
    }

    saved = ("steady", "slow-report", "flaky-report", "good-report")
    assert_clean_cache(downloads, {urls[d]: pdfs[d] for d in saved})
    store = Store(connect(StoreSettings.from_env({}, data_dir=atp_data_dir)), embedder)
    assert sorted(d.id for d in store.documents()) == sorted(
        ["milestones", "baseline", "catalogue", "renewed", *saved]
    )
    for doc_id in failed.keys() - {"renewed"}:
        assert store.chunks.get(where={"doc_id": doc_id})["ids"] == []
        assert store.pages.get(where={"doc_id": doc_id})["ids"] == []
    assert {d: fingerprint(store, d) for d in before} == before
    assert_consistent(store)
    for doc_id in ("slow-report", "flaky-report", "good-report", "baseline", "renewed"):
        assert cites(store, FACTS[doc_id], doc_id), doc_id

    # The servers recover: the next run completes, with nothing left over to get in the way.
    for doc_id in failed:
        site.serve(f"/pub/{doc_id}.pdf", Reply(pdfs[doc_id]))
    site.hits.clear()

    again = ingest("catalogue")

    assert again.exit_code == 0, again.output
    assert again.stdout.strip().splitlines()[-1].startswith("4 added, 7 unchanged in ")
    assert {path.split("/")[-1]: n for path, n in site.hits.items()} == {
        f"{doc_id}.pdf": 1 for doc_id in failed
    }
    all_urls = {urls[d]: pdfs[d] for d in urls}
    assert_clean_cache(downloads, all_urls)
    store = Store(connect(StoreSettings.from_env({}, data_dir=atp_data_dir)), embedder)
    assert {d: fingerprint(store, d) for d in before} == before  # same bytes, same version
    assert_consistent(store)
    assert cites(store, FACTS["dropped-report"], "dropped-report")


def test_cut_body_without_a_length_is_not_cached_or_indexed(
    site: Site, ingest, tmp_path: Path, atp_data_dir: Path
) -> None:
    """`add URL` when the connection drops early on a close-delimited body: before the fix the
    cut file was cached as a PDF, reported as a damaged PDF, and reused by every later run."""
    body = make_pdf(tmp_path, "dropped-report")
    cut = Reply(body, length=None, cut=len(body) - 200)
    url = site.serve("/dropped.pdf", *[cut] * (RETRIES + 1), Reply(body, length=None))

    first = ingest("add", url)

    assert first.exit_code == 1
    assert first.stdout.startswith(
        f"FAILED   dropped: download truncated: connection closed after {len(body) - 200} bytes;"
    )
    assert list((atp_data_dir / "downloads").iterdir()) == []

    second = ingest("add", url)  # the server sends the whole file now

    assert second.exit_code == 0, second.output
    assert second.stdout.startswith("added    dropped (3 pages, ")
    assert_clean_cache(atp_data_dir / "downloads", {url: body})
