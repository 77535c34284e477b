"""SIGKILL during the default URL catalogue run into a real Chroma SERVER, then run again.

tests/ingest/test_crash.py kills `sync` of local files on embedded Chroma; here the sources
are URLs on a local HTTP server and the index is a `chroma run` process that outlives the
killed client. Kill moments are events, not times: a download temp file appearing (kill 1),
and the server's page count growing, i.e. a document's write under way (kill 2).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.http_site import Reply, Site, wait_for
from tests.ingest.test_crash import PAGES, make_pdf
from tests.vectorstore.chroma_server import ChromaServer
from tests.vectorstore.helpers import check_whole_documents
from vectorstore.client import connect
from vectorstore.embeddings import Embedder
from vectorstore.settings import StoreSettings
from vectorstore.store import Store

# Each case starts, kills and restarts real ingest processes, each loading the model.
pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
DOCS = ("doc0", "doc1", "doc2", "doc3")
RUN_TIMEOUT = 240.0


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ChromaServer]:
    """A server only this test writes to and stops; stopped by its PID."""
    server = ChromaServer(tmp_path / "server-db").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    yield server
    server.stop()


class Runs:
    """`python -m tests.faults.catalogue_run` against one server, collection and data dir."""

    def __init__(self, server: ChromaServer, sources: Path, tmp_path: Path) -> None:
        self.server, self.sources, self.tmp_path = server, sources, tmp_path

    def command(self, data: Path) -> list[str]:
        return [
            sys.executable,
            "-m",
            "tests.faults.catalogue_run",
            str(self.sources),
            "--data-dir",
            str(data),
            "-q",
        ]

    def env(self, collection: str) -> dict[str, str]:
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("ATP_") and k.lower() not in {"http_proxy", "all_proxy"}
        }
        return {
            **clean,
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), clean.get("PYTHONPATH")) if p),
            "ATP_CHROMA_MODE": "server",
            "ATP_CHROMA_HOST": self.server.host,
            "ATP_CHROMA_PORT": str(self.server.port),
            "ATP_COLLECTION": collection,
            "ATP_DOWNLOAD_RETRIES": "1",
        }

    def to_the_end(self, data: Path, collection: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(data),
            capture_output=True,
            text=True,
            env=self.env(collection),
            cwd=ROOT,
            timeout=RUN_TIMEOUT,
        )

    def killed_when(self, data: Path, collection: str, moment, label: str) -> None:
        """Start a run and SIGKILL it (by its PID) as soon as `moment()` is true."""
        log = self.tmp_path / f"{label}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                self.command(data),
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env(collection),
                cwd=ROOT,
            )
        try:
            reached = wait_for(lambda: process.poll() is not None or moment(), RUN_TIMEOUT)
            if reached and process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
        finally:
            if process.poll() is None and not reached:
                process.kill()
            process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL, (
            f"{label}: the run ended ({process.returncode}) before the kill\n{log.read_text()}"
        )


def open_server_store(server: ChromaServer, embedder: Embedder, collection: str) -> Store:
    settings = StoreSettings.from_env(
        {}, chroma_mode="server", chroma_host=server.host, chroma_port=server.port
    )
    return Store(connect(settings), embedder, collection)


def contents(store: Store) -> dict[str, object]:
    """Everything a reader can get from the index, for comparing two of them."""
    chunks = store.chunks.get(include=["metadatas", "documents"])
    pages = store.pages.get(include=["metadatas", "documents"])
    keys = Counter((m["doc_id"], m["chunk_index"]) for m in chunks["metadatas"])
    assert max(keys.values(), default=1) == 1, "a chunk is stored twice"
    return {
        "documents": sorted(
            (d.id, d.version, d.content_hash, d.chunks, d.pages) for d in store.documents()
        ),
        "chunks": sorted(zip(chunks["ids"], chunks["documents"], strict=True)),
        "pages": sorted(zip(pages["ids"], pages["documents"], strict=True)),
        "counts": store.counts(),
    }


def lasting_part_file(folder: Path, seconds: float = 0.5) -> Callable[[], bool]:
    """True once a download's temp file has stayed for `seconds`: doc1's, which trickles in
    over 6 s, not doc0's, which lives a few milliseconds before its rename (a kill aimed at
    that one landed after the rename and found no download to interrupt)."""
    first_seen: dict[str, float] = {}

    def moment() -> bool:
        now = time.monotonic()
        names = {p.name for p in folder.glob(".download-*.part")}
        for name in names:
            first_seen.setdefault(name, now)
        return any(now - first_seen[name] >= seconds for name in names)

    return moment


def leftovers(data: Path) -> list[str]:
    """Temp files anywhere in the data dir (the index lives in the server, not here)."""
    return sorted(p.name for p in data.rglob("*.part"))


def test_killed_catalogue_run_on_a_chroma_server_resumes_to_a_clean_index(
    own_server: ChromaServer, site: Site, tmp_path: Path, embedder: Embedder
) -> None:
    pubs = {doc: make_pdf(tmp_path / "pubs", doc).read_bytes() for doc in DOCS}
    urls = {doc: site.serve(f"/pub/{doc}.pdf", Reply(body)) for doc, body in pubs.items()}
    # doc1 trickles in over 6 s the first time, so a run can be killed mid-download.
    site.serve("/pub/doc1.pdf", Reply(pubs["doc1"], trickle=6.0), Reply(pubs["doc1"]))
    sources = tmp_path / "sources.json"
    sources.write_text(
        json.dumps(
            [{"id": d, "url": u, "title": f"Report {d}", "year": 2010} for d, u in urls.items()]
        )
    )
    runs = Runs(own_server, sources, tmp_path)
    data = tmp_path / "data"
    store = open_server_store(own_server, embedder, "killed")

    # Kill 1: while doc1 is being downloaded.
    downloads = data / "downloads"
    runs.killed_when(data, "killed", lasting_part_file(downloads), "kill-1")
    assert leftovers(data), "the kill should have interrupted a download"
    first = check_whole_documents(store)[0]
    assert set(first) <= {"milestones", "catalogue", "doc0"}

    # Kill 2: as soon as the next document's pages reach the server.
    pages_before = store.pages.count()
    runs.killed_when(data, "killed", lambda: store.pages.count() > pages_before, "kill-2")
    second = check_whole_documents(store)[0]
    assert set(first) <= set(second) < {"milestones", "catalogue", *DOCS}
    stored, committed = store.chunks.count(), store.counts()["chunks"]
    print(f"after the kills: {sorted(second)} committed; {stored - committed} orphan chunks")

    result = runs.to_the_end(data, "killed")

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    done = len(set(second) & set(DOCS)) + len({"milestones", "catalogue"} & set(second))
    assert lines[-1].startswith(f"{6 - done} added, {done} unchanged in "), lines
    if stored > committed:
        assert "leftover chunks of an interrupted run" in result.stdout
    assert leftovers(data) == []
    assert check_whole_documents(store)[0].keys() == {"milestones", "catalogue", *DOCS}

    clean = runs.to_the_end(tmp_path / "clean-data", "clean")  # the same inputs, never killed
    assert clean.returncode == 0, clean.stdout + clean.stderr
    reference = open_server_store(own_server, embedder, "clean")
    assert contents(store) == contents(reference)
    counts = store.counts()
    assert counts["stored_chunks"] == counts["chunks"]
    assert counts["pages"] == store.pages.count() == PAGES * len(DOCS)
    assert sorted(p.name for p in downloads.iterdir()) == sorted(
        p.name for p in (tmp_path / "clean-data" / "downloads").iterdir()
    )
