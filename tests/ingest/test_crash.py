"""Crash safety for real: `python -m ingest sync` killed with SIGKILL in the middle of writing.

The kill moments are events, not times: a run copies each PDF into data/library just before
embedding it, and SQLite keeps a `-journal` file only while a write transaction is open. So
"the n-th write transaction after the first new library copy" lands inside write_document of
that document (its pages, its chunks, the commit, or the clean-up), however fast the machine.
Each check opens a copy of the killed index, so no two processes ever share one Chroma folder.
A run writes its own copy of the published generation (`vectorstore.generations`); a killed
run's copy is what the next run carries on in, so that is the index a kill leaves.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ingest.pdf import read_pdf
from tests import pdf_factory
from tests.vectorstore.helpers import check_whole_documents
from vectorstore.client import connect
from vectorstore.embeddings import Embedder
from vectorstore.generations import Generations
from vectorstore.settings import StoreSettings
from vectorstore.store import Store

# Each case starts, kills and restarts real ingest processes, each loading the model.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
DOCS = ("doc0", "doc1", "doc2", "doc3")
PAGES = 16
RUN_TIMEOUT = 240.0


def page_text(doc: str, page: int, edition: str = "first") -> str:
    return " ".join(
        f"{doc} {edition} edition, page {page}, finding {i}: victims were recruited with "
        "false promises of work abroad."
        for i in range(8)
    )


def make_pdf(folder: Path, doc: str, edition: str = "first", pages: int = PAGES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    texts = [page_text(doc, p, edition) for p in range(1, pages + 1)]
    return pdf_factory.text_pdf(folder / f"{doc}.pdf", texts)


def env() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ATP_")}
    path = os.pathsep.join(p for p in (str(ROOT), clean.get("PYTHONPATH", "")) if p)
    return {**clean, "PYTHONPATH": path}


def sync_command(data: Path, folder: Path) -> list[str]:
    return [sys.executable, "-m", "ingest", "--data-dir", str(data), "-q", "sync", str(folder)]


def run_to_the_end(data: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        sync_command(data, folder),
        capture_output=True,
        text=True,
        env=env(),
        cwd=data.parent,
        timeout=RUN_TIMEOUT,
    )


def run_and_kill(data: Path, folder: Path, nth_write: int, after: str = "") -> str:
    """Start a sync and SIGKILL it at the n-th write transaction after the first library copy
    this run makes (of a document whose name starts with `after`, if given); returns the
    copy's name. Fails if the run ends before that moment."""
    library = data / "library"
    journal = Generations(data).next_generation().path / "chroma.sqlite3-journal"
    before = set(os.listdir(library)) if library.is_dir() else set()
    log = data.parent / "killed-run.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            sync_command(data, folder), stdout=out, stderr=subprocess.STDOUT, env=env()
        )
    copy: str | None = None
    writes, writing = 0, False
    deadline = time.monotonic() + RUN_TIMEOUT
    try:
        while process.poll() is None and time.monotonic() < deadline:
            if copy is None:
                new = set(os.listdir(library)) - before if library.is_dir() else set()
                copy = min(
                    (n for n in new if n.endswith(".pdf") and n.startswith(after)), default=None
                )
            else:
                now = journal.exists()
                if now and not writing:
                    writes += 1
                    if writes >= nth_write:
                        os.kill(process.pid, signal.SIGKILL)
                        break
                writing = now
            time.sleep(0.0002)
    finally:
        if process.poll() is None and time.monotonic() >= deadline:
            process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, (
        f"the run ended ({process.returncode}) before write {nth_write} after a new library "
        f"copy ({copy}); make the PDFs bigger.\n{log.read_text()}"
    )
    assert copy is not None
    return copy


@dataclass
class Snapshot:
    """What a killed run left, read from a copy of its index."""

    store: Store
    versions: dict[str, str]
    committed_chunks: int
    stored_chunks: int
    uncommitted: list[str] = field(default_factory=list)


def inspect(data: Path, embedder: Embedder, label: str) -> Snapshot:
    """Copy the index (with any hot SQLite journal, which rolls back on open) and check that
    every committed document is whole and that readers never see anything else."""
    copy = data.parent / f"snapshot-{label}"
    generations = Generations(data)
    left = generations.left_behind() or generations.current()
    assert left is not None
    shutil.copytree(left.path, copy / "chroma")
    store = Store(connect(StoreSettings.from_env({}, data_dir=copy)), embedder)
    versions, uncommitted = check_whole_documents(store)
    docs = store.documents()
    assert all(info.pages == PAGES for info in docs)
    everything = store.chunks.get(include=[])
    committed = sum(d.chunks for d in docs)
    assert len(list(store.iter_chunks())) == committed
    assert len(everything["ids"]) == committed + len(uncommitted)
    return Snapshot(store, versions, committed, len(everything["ids"]), [c for c, _ in uncommitted])


def assert_complete(snap: Snapshot, docs: tuple[str, ...]) -> None:
    """Every document in, no orphans, and each committed chunk findable by its own vector."""
    assert sorted(snap.versions) == sorted(docs)
    assert snap.stored_chunks == snap.committed_chunks
    assert snap.uncommitted == []
    assert snap.store.pages.count() == PAGES * len(docs)
    for doc in docs:
        first = f"{doc}::{snap.versions[doc]}::00000"
        vector = snap.store.chunks.get(ids=[first], include=["embeddings"])["embeddings"][0]
        hits = snap.store.search(vector, k=1)
        assert [h.chunk.id for h in hits] == [first]


def test_killed_sync_leaves_a_consistent_index_and_the_next_run_completes(
    tmp_path: Path, embedder: Embedder
) -> None:
    folder, data = tmp_path / "pubs", tmp_path / "data"
    for doc in DOCS:
        make_pdf(folder, doc)

    seen: list[tuple[str, int, int, int]] = []
    # Run 1 dies at doc0's first write (its pages). Run 2 dies inside doc1's writes, counted
    # from doc2's library copy: a document is copied when its embedding starts, while the
    # writer commits the one before, so doc0's commit has surely finished by then (counting
    # from doc1's copy raced doc0's own writes).
    for run, (nth_write, after) in enumerate(((1, "doc0"), (1, "doc2")), start=1):
        copy = run_and_kill(data, folder, nth_write, after)
        snap = inspect(data, embedder, f"run{run}")
        seen.append((copy[:4], len(snap.versions), snap.committed_chunks, snap.stored_chunks))
        assert copy.startswith(f"{after}.")
        assert set(snap.versions) <= {f"doc{i}" for i in range(run)}
    # Each run resumed: the committed set never shrinks.
    assert [s[1] for s in seen] == sorted(s[1] for s in seen)
    assert seen[-1][1] >= 1, seen

    result = run_to_the_end(data, folder)

    assert result.returncode == 0, result.stdout + result.stderr
    print("kills (library copy, committed docs, committed chunks, stored chunks):", seen)
    lines = result.stdout.strip().splitlines()
    assert lines[-1].startswith(f"{4 - seen[-1][1]} added, {seen[-1][1]} unchanged in "), lines
    if seen[-1][3] > seen[-1][2]:  # the last kill left uncommitted chunks behind
        assert any(line.endswith("leftover chunks of an interrupted run") for line in lines)
    assert_complete(inspect(data, embedder, "final"), DOCS)


def test_killed_replacement_is_all_old_or_all_new(tmp_path: Path, embedder: Embedder) -> None:
    folder, data = tmp_path / "pubs", tmp_path / "data"
    docs = ("doc0", "doc1")
    for doc in docs:
        make_pdf(folder, doc)
    old_pages = [p.text for p in read_pdf(folder / "doc1.pdf").pages]
    assert run_to_the_end(data, folder).returncode == 0
    before = inspect(data, embedder, "before")
    assert_complete(before, docs)

    make_pdf(folder, "doc1", edition="second")
    new_pages = [p.text for p in read_pdf(folder / "doc1.pdf").pages]
    assert new_pages != old_pages
    copy = run_and_kill(data, folder, nth_write=2)  # inside doc1's new-version write
    assert copy.startswith("doc1.") and before.versions["doc1"] not in copy

    mid = inspect(data, embedder, "mid")
    assert mid.versions["doc0"] == before.versions["doc0"]
    version = mid.versions["doc1"]
    print("killed replacement left:", "old" if version == before.versions["doc1"] else "new")
    expected = old_pages if version == before.versions["doc1"] else new_pages
    assert [mid.store.page_text("doc1", p) for p in range(1, PAGES + 1)] == expected
    assert {c.version for c in mid.store.iter_chunks() if c.doc_id == "doc1"} == {version}

    result = run_to_the_end(data, folder)

    assert result.returncode == 0, result.stdout + result.stderr
    after = inspect(data, embedder, "after")
    assert_complete(after, docs)
    assert after.versions["doc0"] == before.versions["doc0"]
    assert after.versions["doc1"] not in {before.versions["doc1"]}
    assert [after.store.page_text("doc1", p) for p in range(1, PAGES + 1)] == new_pages
    assert {p.name.split(".")[0] for p in (data / "library").glob("*.pdf")} == set(docs)
    assert len(list((data / "library").glob("doc1.*.pdf"))) == 1
