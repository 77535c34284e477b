"""The Chat tab on a records-only index (what `python -m ingest` builds without a network):
the programme's launch is answered from the 2002 milestone, and the card shows it."""

from __future__ import annotations

from pathlib import Path

from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from tests.app.conftest import make_services
from ui.chat import ChatHandlers
from vectorstore.client import connect
from vectorstore.embeddings import Embedder
from vectorstore.settings import StoreSettings
from vectorstore.store import Store


def test_the_chat_tab_answers_the_launch_from_the_2002_milestone(
    tmp_path: Path, embedder: Embedder
) -> None:
    data_dir = tmp_path / "records"
    store = Store(connect(StoreSettings.from_env({}, data_dir=data_dir)), embedder)
    pipeline = Pipeline(store, IngestSettings.from_env({}), data_dir)
    pipeline.ingest_milestones()
    pipeline.ingest_catalogue_records()
    handlers = ChatHandlers(make_services(data_dir, embedder))

    messages, exchanges, _ = list(handlers.respond("When was the programme launched?", []))[-1]

    answer = exchanges[-1].answer
    assert answer is not None and not answer.refused
    assert [(s.kind, s.id, s.year) for s in answer.sources] == [
        ("milestone", "ms-2002-programme-established", 2002)
    ]
    html = messages[-1]["content"]
    assert "ICMPD established the Anti-Trafficking Programme" in html
    assert "2002" in html and "don&#x27;t cover" not in html and "don't cover" not in html
