"""connect() and a Store over a real Chroma server that is missing, stopped and restarted."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import drop_collections, server_settings
from tests.processes import free_port
from tests.vectorstore.chroma_server import ChromaServer
from tests.vectorstore.helpers import make_doc
from vectorstore import open_store
from vectorstore.client import connect
from vectorstore.embeddings import Embedder
from vectorstore.errors import StoreUnavailable
from vectorstore.settings import StoreSettings
from vectorstore.store import Store

TEXT = ["Victims were recruited with false promises. Passports were taken on arrival"]


def test_embedded_creates_its_folder(atp_data_dir: Path) -> None:
    settings = StoreSettings.from_env()
    connect(settings).heartbeat()
    assert (atp_data_dir / "chroma" / "chroma.sqlite3").is_file()


@pytest.mark.server
def test_unreachable_server_says_what_to_do() -> None:
    port = free_port()
    settings = StoreSettings.from_env({}, chroma_mode="server", chroma_port=port)

    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as caught:
        open_store(settings)

    assert time.monotonic() - started < 10
    message = str(caught.value)
    assert f"cannot reach the Chroma server at 127.0.0.1:{port}" in message
    assert f"chroma run --path DIR --host 127.0.0.1 --port {port}" in message
    assert "ATP_CHROMA_MODE=embedded" in message


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ChromaServer]:
    """A server only this test uses, so stopping it cannot hurt any other test."""
    server = ChromaServer(tmp_path / "server-db").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.server
def test_server_stopped_then_restarted(own_server: ChromaServer, embedder: Embedder) -> None:
    store = Store(connect(server_settings(own_server)), embedder, "restart")
    doc = make_doc(embedder, "alpha", "v1", TEXT)
    doc.write(store)
    later = make_doc(embedder, "beta", "v1", ["Labour inspectors visited farms"])
    query = embedder.encode(["passports taken"])[0]
    versions = store.committed_versions()

    own_server.stop()
    assert not own_server.is_alive()

    calls: dict[str, Callable[[], Any]] = {
        "documents": store.documents,
        "document": lambda: store.document("alpha"),
        "search": lambda: store.search(query, k=3),
        "search with versions": lambda: store.search(query, k=3, versions=versions),
        "iter_chunks": lambda: list(store.iter_chunks()),
        "iter_chunks with versions": lambda: list(store.iter_chunks(versions)),
        "get_chunks": lambda: store.get_chunks([doc.chunks[0].id]),
        "page_text": lambda: store.page_text("alpha", 1, version="v1"),
        "counts": store.counts,
        "write_document": lambda: later.write(store),
        "delete_document": lambda: store.delete_document("alpha"),
        "collect_garbage": store.collect_garbage,
    }
    wrong: dict[str, str] = {}
    for name, call in calls.items():
        try:
            call()
        except StoreUnavailable as exc:
            if "the Chroma server stopped answering" not in str(exc):
                wrong[name] = str(exc)
        except Exception as exc:
            wrong[name] = repr(exc)
        else:
            wrong[name] = "no error"
    assert wrong == {}

    own_server.start()  # same path, same port

    assert store.documents() == [doc.info]
    hits = store.search(query, k=1)
    assert [h.chunk.id for h in hits] == [doc.chunks[1].id]
    later.write(store)
    assert [d.id for d in store.documents()] == ["alpha", "beta"]
    assert store.counts()["stored_chunks"] == 3


@pytest.mark.server
def test_two_stores_on_one_server_are_independent(
    chroma_server: ChromaServer, embedder: Embedder
) -> None:
    first = Store(connect(server_settings(chroma_server)), embedder, "ind-a")
    second = Store(connect(server_settings(chroma_server)), embedder, "ind-b")
    try:
        make_doc(embedder, "alpha", "v1", TEXT).write(first)
        assert [d.id for d in first.documents()] == ["alpha"]
        assert second.documents() == []
        assert second.search(np.ones(embedder.dimension, dtype=np.float32), k=3) == []
    finally:
        drop_collections(first.client, "ind-a")
        drop_collections(first.client, "ind-b")
