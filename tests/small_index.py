"""The small real index most read-only tests share: two generated publications (a referral
handbook with page labels, a shelter report with markup in its text) and the milestones, in
embedded Chroma on the bundled model. Built once per session by the `small_index` fixture
(tests/conftest.py); tests that change an index build their own with `build_index`.
"""

from __future__ import annotations

from pathlib import Path

from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from ingest.sources import from_path
from tests.pdf_factory import text_pdf
from vectorstore.client import connect
from vectorstore.embeddings import Embedder
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
            # the imprint that makes it one of the programme's own (Programme.own_documents)
            "Handbook on Transnational Referral\nInternational Centre for Migration Policy "
            "Development (ICMPD)\nForeword by the programme coordinator.",
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


def make_pdfs(folder: Path, docs: dict[str, dict] = DOCS) -> dict[str, Path]:
    """`docs` (title, pages, labels) as PDFs in folder; the small index's own by default."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        doc_id: text_pdf(
            folder / f"{doc_id}.pdf", doc["pages"], page_labels=doc["labels"], title=doc["title"]
        )
        for doc_id, doc in docs.items()
    }


def build_index(
    data_dir: Path, pdfs: dict[str, Path], embedder: Embedder, docs: dict[str, dict] = DOCS
) -> Store:
    """The generated publications (`docs`, made by make_pdfs) and the milestones, ingested."""
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
            for doc_id, doc in docs.items()
        ]
    )
    assert not report.failures, [d.line() for d in report.failures]
    assert pipeline.ingest_milestones().status in {"added", "unchanged"}
    return store
