"""Fixtures shared by every test package: an isolated data dir, the real model, real Chroma."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromadb.api import ClientAPI
from chromadb.errors import NotFoundError

from tests.cli import model
from tests.small_index import build_index, make_pdfs
from tests.vectorstore.chroma_server import ChromaServer
from vectorstore.client import connect
from vectorstore.embeddings import Embedder
from vectorstore.settings import PREFIX, StoreSettings, default_model_path
from vectorstore.store import Store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def atp_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own ATP_DATA_DIR under tmp_path and no other ATP_* setting.

    The folder is tmp_path/"data" rather than tmp_path itself, so a test's own input files
    (PDFs to sync, say) never sit inside the index folder.
    """
    for name in list(os.environ):
        if name.startswith(PREFIX):
            monkeypatch.delenv(name)
    data_dir = tmp_path / "data"
    monkeypatch.setenv(f"{PREFIX}DATA_DIR", str(data_dir))
    return data_dir


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The bundled all-MiniLM-L6-v2 on the default backend, loaded once per session."""
    loaded = model(default_model_path())  # the in-process CLIs share it (tests/cli.py)
    loaded.encode(["warm up"])
    return loaded


@pytest.fixture(scope="session")
def small_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The small index's publications as PDFs (tests/small_index.py)."""
    return make_pdfs(tmp_path_factory.mktemp("small-pdfs"))


@pytest.fixture(scope="session")
def small_index(
    tmp_path_factory: pytest.TempPathFactory, small_pdfs: dict[str, Path], embedder: Embedder
) -> Path:
    """The data dir of the session's small index, built once: for tests that only read it."""
    data_dir = tmp_path_factory.mktemp("small-index")
    build_index(data_dir, small_pdfs, embedder)
    return data_dir


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """One real `chroma run` process for the session; tests keep apart by collection name."""
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "db").start()
    try:
        yield server
    finally:
        server.stop()


def server_settings(server: ChromaServer, **overrides: object) -> StoreSettings:
    """Settings that point at `server`, whatever the environment says."""
    return StoreSettings.from_env(
        {}, chroma_mode="server", chroma_host=server.host, chroma_port=server.port, **overrides
    )


def unique_collection() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


def drop_collections(client: ClientAPI, name: str) -> None:
    """Delete the Store collections `<name>_*` that exist, so a shared server stays small."""
    for suffix in ("chunks", "pages", "documents"):
        with contextlib.suppress(NotFoundError):
            client.delete_collection(f"{name}_{suffix}")


@pytest.fixture
def store(embedder: Embedder, atp_data_dir: Path) -> Store:
    """A fresh, empty embedded Store per test, in tmp_path."""
    return Store(connect(StoreSettings.from_env({}, data_dir=atp_data_dir)), embedder, "atp")


@pytest.fixture(
    params=["embedded", pytest.param("server", marks=pytest.mark.server)],
)
def any_store(
    request: pytest.FixtureRequest, embedder: Embedder, atp_data_dir: Path
) -> Iterator[Store]:
    """The Store contract on both clients: an embedded folder in tmp_path, or a new collection
    prefix on the session's Chroma server (so tests never see each other's documents). Only
    the store's own tests take it; everything above the store runs embedded."""
    if request.param == "embedded":
        yield Store(connect(StoreSettings.from_env({}, data_dir=atp_data_dir)), embedder, "atp")
        return
    server: ChromaServer = request.getfixturevalue("chroma_server")
    name = unique_collection()
    client = connect(server_settings(server))
    yield Store(client, embedder, name)
    drop_collections(client, name)
