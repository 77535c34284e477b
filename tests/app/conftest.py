"""The app's tests run on the session's small index (tests/small_index.py), read only;
tests that change an index build their own with `fresh_index`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.settings import AssistantSettings
from ingest.settings import IngestSettings
from tests.small_index import build_index
from ui.services import Services
from ui.settings import AppSettings
from vectorstore.embeddings import Embedder
from vectorstore.index import Index
from vectorstore.settings import StoreSettings


def make_services(
    data_dir: Path,
    embedder: Embedder,
    admin_password: str = "",
    max_upload_mb: int = 200,
    **store: object,
) -> Services:
    """Services as app.py builds them, but on the session's model and explicit settings only."""
    settings = StoreSettings.from_env({}, data_dir=data_dir, **store)
    return Services(
        settings,
        AssistantSettings.from_env({}),
        IngestSettings.from_env({}, max_download_mb=max_upload_mb),
        AppSettings.from_env({}, admin_password=admin_password),
        index_factory=lambda s: Index(s, embedder),
    )


@pytest.fixture(scope="session")
def app_pdfs(small_pdfs: dict[str, Path]) -> dict[str, Path]:
    return small_pdfs


@pytest.fixture(scope="session")
def app_index(small_index: Path) -> Path:
    """The session's small index, read only; returns its data dir."""
    return small_index


@pytest.fixture(scope="session")
def services(app_index: Path, embedder: Embedder) -> Services:
    """Read-only services on the shared index (no admin password: the library is read-only)."""
    return make_services(app_index, embedder)


@pytest.fixture
def fresh_index(
    tmp_path: Path, app_pdfs: dict[str, Path], embedder: Embedder
) -> Callable[..., Services]:
    """Services on a private index built like the shared one, for tests that change it."""

    def make(**options: object) -> Services:
        data_dir = tmp_path / "app-data"
        if not data_dir.exists():
            build_index(data_dir, app_pdfs, embedder)
        return make_services(data_dir, embedder, **options)  # type: ignore[arg-type]

    return make
