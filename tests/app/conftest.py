"""A small real index for the app's tests: generated PDFs, embedded Chroma, the bundled model.

`app_index` is built once per session and only read; tests that change an index build
their own with `fresh_index`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.settings import AssistantSettings
from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from ingest.sources import from_path
from tests.pdf_factory import text_pdf
from ui.services import Services
from ui.settings import AppSettings
from vectorstore.client import connect
from vectorstore.embeddings import Embedder
from vectorstore.index import Index
from vectorstore.settings import StoreSettings
from vectorstore.store import Store

FILLER = (
    "This section summarises the consultations held with national authorities, civil society "
    "organisations and international partners during the reporting period. "
)
SCRIPT = '<script>alert("pwned")</script>'
IMG = "<img src=x onerror=alert(2)>"

DOCS = {
    "referral-handbook": {
        "title": "Handbook on Transnational Referral",
        "year": 2008,
        "doc_type": "handbook",
        "labels": [(0, "/r", 1), (1, "/D", 1)],  # i, 1, 2
        "pages": [
            "Handbook on Transnational Referral\nForeword by the programme coordinator.",
            "Chapter 1 Introduction\n" + FILLER * 3,
            "Chapter 2 Piloting\nThe transnational referral mechanism was first piloted in "
            "Albania and Moldova in March 2008. Caseworkers accompanied each returning victim "
            "from the border crossing to a partner shelter. " + FILLER,
        ],
    },
    "shelter-markup-report": {
        "title": f"Shelter Report {SCRIPT}",
        "year": 2015,
        "doc_type": "study",
        "labels": None,
        "pages": [
            "Shelter Report\nAn assessment of shelters.",
            f"Findings\nThe shelter in Skopje offered 42 beds for rescued victims. {SCRIPT} "
            f"{IMG} The shelter staff recorded every admission in a paper ledger. " + FILLER,
        ],
    },
}


def make_pdfs(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {
        doc_id: text_pdf(
            folder / f"{doc_id}.pdf", doc["pages"], page_labels=doc["labels"], title=doc["title"]
        )
        for doc_id, doc in DOCS.items()
    }


def build_index(data_dir: Path, pdfs: dict[str, Path], embedder: Embedder) -> Store:
    """The generated publications and the milestones, ingested into data_dir."""
    store = Store(connect(StoreSettings.from_env({}, data_dir=data_dir)), embedder)
    pipeline = Pipeline(store, IngestSettings.from_env({}), data_dir)
    report = pipeline.ingest(
        [
            from_path(
                pdfs[doc_id],
                title=doc["title"],
                year=doc["year"],
                doc_type=doc["doc_type"],
                doc_id=doc_id,
            )
            for doc_id, doc in DOCS.items()
        ]
    )
    assert not report.failures, [d.line() for d in report.failures]
    assert pipeline.ingest_milestones().status in {"added", "unchanged"}
    return store


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
def app_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_pdfs(tmp_path_factory.mktemp("app-pdfs"))


@pytest.fixture(scope="session")
def app_index(
    tmp_path_factory: pytest.TempPathFactory, app_pdfs: dict[str, Path], embedder: Embedder
) -> Path:
    """A data dir holding the read-only index; returns the folder."""
    data_dir = tmp_path_factory.mktemp("app-index")
    build_index(data_dir, app_pdfs, embedder)
    return data_dir


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
