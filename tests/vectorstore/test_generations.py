"""Published generations and the writer lock (embedded): a reader keeps the snapshot it opened,
a writer's run appears all at once when it is published, an unused old generation is deleted,
a writer killed before publishing is carried on by the next, and two writers never overlap."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.vectorstore.helpers import make_doc
from vectorstore.embeddings import Embedder
from vectorstore.errors import IndexBusy, StoreError
from vectorstore.index import Index
from vectorstore.settings import StoreSettings

ROOT = Path(__file__).resolve().parents[2]
OLD = ["Victims were recruited with false promises. Passports were taken on arrival"]
NEW = ["The okapi hotline answered calls in four languages. It opened in 2021"]


@pytest.fixture
def index(atp_data_dir: Path, embedder: Embedder) -> Index:
    return Index(StoreSettings.from_env({}, data_dir=atp_data_dir), embedder)


def test_a_reader_keeps_its_snapshot_until_it_reopens(index: Index, embedder: Embedder) -> None:
    with index.writer() as store:
        make_doc(embedder, "old", "v1", OLD).write(store)
    before = index.reader()
    marker = index.marker()

    with index.writer() as store:
        make_doc(embedder, "new", "v1", NEW).write(store)
        store.delete_document("old")
        assert index.marker() == marker  # nothing published while the run goes on
        assert {d.id for d in before.documents()} == {"old"}

    assert index.marker() != marker
    assert {d.id for d in before.documents()} == {"old"}  # still the snapshot it opened
    query = embedder.encode(["passports taken"])[0]
    assert [h.chunk.doc_id for h in before.search(query, k=2)] == ["old", "old"]
    after = index.reader()
    assert {d.id for d in after.documents()} == {"new"}
    assert {h.chunk.doc_id for h in after.search(query, k=2)} == {"new"}


def test_an_old_generation_goes_once_no_reader_holds_it(index: Index, embedder: Embedder) -> None:
    with index.writer() as store:
        make_doc(embedder, "old", "v1", OLD).write(store)
    first = index.generations.current()
    reader = index.reader()
    with index.writer() as store:
        make_doc(embedder, "new", "v1", NEW).write(store)
    assert first is not None and first.path.exists()  # leased by `reader`

    del reader
    with index.writer() as store:
        make_doc(embedder, "new", "v2", NEW).write(store)

    assert not first.path.exists()
    assert sorted(p.name for p in index.generations.root.glob("g??????")) == ["g000003"]


def test_a_run_that_changes_nothing_publishes_nothing(index: Index, embedder: Embedder) -> None:
    with index.writer() as store:
        make_doc(embedder, "old", "v1", OLD).write(store)
    marker = index.marker()

    with index.writer() as store:
        assert store.document("old") is not None

    assert index.marker() == marker
    assert not (index.generations.root / "g000002").exists()  # not even copied


def test_a_reader_cannot_write(index: Index, embedder: Embedder) -> None:
    reader = index.reader()
    with pytest.raises(StoreError, match="read-only"):
        make_doc(embedder, "old", "v1", OLD).write(reader)
    assert reader.documents() == []


def test_a_second_writer_waits_or_is_refused_naming_the_first(index: Index) -> None:
    waited: list[str] = []
    inside = threading.Event()
    release = threading.Event()

    def first() -> None:
        with index.writer(command="python -m ingest add big.pdf"):
            inside.set()
            release.wait(30)

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(30)
    try:
        with pytest.raises(IndexBusy) as refused, index.writer(wait=False):
            pass
        assert "python -m ingest add big.pdf" in str(refused.value)
        assert "nothing was changed" in str(refused.value)
        assert "python -m ingest add big.pdf" in (index.running_ingest() or "")
        threading.Timer(0.5, release.set).start()
        started = time.monotonic()
        with index.writer(on_wait=waited.append):
            assert time.monotonic() - started >= 0.4
    finally:
        release.set()
        thread.join(30)
    assert len(waited) == 1 and "python -m ingest add big.pdf" in waited[0]
    assert index.running_ingest() is None


def test_a_writer_caught_between_locking_and_naming_itself_is_still_named(tmp_path: Path) -> None:
    """The holder takes the flock a moment before it writes who it is; the one refused then
    waits for the name instead of saying "another ingest"."""
    import fcntl
    import json
    import os

    from vectorstore.lock import WriterLock

    lock = WriterLock(tmp_path)
    tmp_path.mkdir(exist_ok=True)
    fd = os.open(lock.path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # locked, not yet named
        info = {"pid": os.getpid(), "command": "python -m ingest sync", "started": "now"}
        threading.Timer(0.3, os.pwrite, (fd, json.dumps(info).encode(), 0)).start()
        with pytest.raises(IndexBusy) as refused, lock.held(wait=False):
            pass
        assert f"`python -m ingest sync` (pid {os.getpid()}, started now)" in str(refused.value)
    finally:
        os.close(fd)


KILLED_WRITER = """
import os, sys
from tests.vectorstore.helpers import make_doc
from vectorstore.index import Index
from vectorstore.settings import StoreSettings
index = Index(StoreSettings.from_env({}, data_dir=sys.argv[1]))
with index.writer() as store:
    make_doc(index.embedder, "new", "v1", sys.argv[2].split("|")).write(store)
    os._exit(9)  # killed before publishing
"""


@pytest.mark.slow
def test_a_writer_killed_before_publishing_is_carried_on(
    index: Index, embedder: Embedder, atp_data_dir: Path
) -> None:
    with index.writer() as store:
        make_doc(embedder, "old", "v1", OLD).write(store)
    marker = index.marker()

    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(atp_data_dir), "|".join(NEW)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert killed.returncode == 9, killed.stderr[-2000:]
    assert index.marker() == marker  # readers never saw the unfinished run
    assert {d.id for d in index.reader().documents()} == {"old"}
    with index.writer() as store:
        assert store.document("new") is not None  # its whole document was kept
        assert store.collect_garbage() == 0
    assert {d.id for d in index.reader().documents()} == {"old", "new"}


@pytest.mark.server
def test_on_a_server_a_reader_sees_each_commit(chroma_server, embedder: Embedder) -> None:
    """No generations there: the server serialises access, and a reader opened before the
    collections existed still finds them once a writer made them."""
    from tests.conftest import drop_collections, server_settings, unique_collection
    from vectorstore.client import connect

    settings = server_settings(chroma_server, collection=unique_collection())
    index = Index(settings, embedder)
    reader = index.reader()
    assert reader.documents() == []
    try:
        with index.writer() as store:
            make_doc(embedder, "old", "v1", OLD).write(store)
            assert {d.id for d in reader.documents()} == {"old"}  # committed: visible at once
        assert index.marker() == "server"
        with pytest.raises(StoreError, match="read-only"):
            make_doc(embedder, "new", "v1", NEW).write(reader)
    finally:
        drop_collections(connect(settings), settings.collection)
