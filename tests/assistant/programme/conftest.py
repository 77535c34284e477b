"""Indexes the records tests read: the timeline and catalogue alone (what `python -m ingest`
builds without a network), and the same records beside one generated report."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.backends import get_backend
from assistant.chat import Assistant
from assistant.settings import AssistantSettings
from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from ingest.sources import from_path
from tests.pdf_factory import text_pdf
from vectorstore.client import connect
from vectorstore.embeddings import Embedder
from vectorstore.settings import StoreSettings
from vectorstore.store import Store

REPORT = [
    "Hotline Annual Report 2019\nA report of the national trafficking hotline.",
    "Calls\nThe national trafficking hotline received 512 calls in 2019, most of them from "
    "relatives of missing workers. Operators referred 41 callers to shelters.",
]


def records_store(
    folder: Path, embedder: Embedder, pdf: Path | None = None, title: str = "Hotline Annual Report"
) -> Store:
    data_dir = folder / "data"
    store = Store(connect(StoreSettings.from_env({}, data_dir=data_dir)), embedder, "atp")
    pipeline = Pipeline(store, IngestSettings.from_env({}), data_dir)
    pipeline.ingest_milestones()
    pipeline.ingest_catalogue_records()
    if pdf is not None:
        pipeline.ingest([from_path(pdf, title=title, year=2020, doc_type="study")])
    pipeline.close()
    return store


def extractive(store: Store) -> Assistant:
    settings = AssistantSettings()
    return Assistant(store, get_backend("extractive", settings), settings)


@pytest.fixture(scope="package")
def records_only(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Store:
    return records_store(tmp_path_factory.mktemp("records-only"), embedder)


@pytest.fixture(scope="package")
def records_and_report(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Store:
    folder = tmp_path_factory.mktemp("records-and-report")
    pdf = text_pdf(folder / "hotline.pdf", REPORT, title="Hotline Annual Report")
    return records_store(folder, embedder, pdf)


@pytest.fixture(scope="package")
def assistant(records_only: Store) -> Assistant:
    return extractive(records_only)
