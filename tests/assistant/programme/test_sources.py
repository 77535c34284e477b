"""A question about the programme is answered from the programme's own documents (the
catalogue's, or a PDF whose first pages name ICMPD), never from another organisation's."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from assistant.chat import OFF_SOURCE
from ingest import catalogue
from tests.assistant.programme.conftest import extractive, records_store
from tests.pdf_factory import text_pdf
from vectorstore.embeddings import Embedder
from vectorstore.store import Store

SPENDING = (
    "Spending\nIn 2012 the programme spent 310,000 euros on training for labour inspectors "
    "and prosecutors, and the rest on shelters."
)
ASKED = "How much did the programme spend on training for labour inspectors in 2012?"


def _store(folder: Path, embedder: Embedder, cover: str) -> Store:
    pdf = text_pdf(folder / "review.pdf", [cover, SPENDING], title="Annual Review 2012")
    return records_store(folder, embedder, pdf)


@pytest.fixture(scope="module")
def others(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Store:
    cover = "Annual Review 2012\nPublished by the Ministry of Labour."
    return _store(tmp_path_factory.mktemp("others-review"), embedder, cover)


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Store:
    cover = "Annual Review 2012\nInternational Centre for Migration Policy Development"
    return _store(tmp_path_factory.mktemp("own-review"), embedder, cover)


def test_another_organisations_page_does_not_answer_for_the_programme(others: Store) -> None:
    answer = extractive(others).ask(ASKED)
    assert answer.refused
    assert answer.why == [OFF_SOURCE]
    assert OFF_SOURCE[1:] in answer.text  # the plain line a person reads


def test_the_programmes_own_page_answers_it(own: Store) -> None:
    answer = extractive(own).ask(ASKED)
    assert not answer.refused
    assert "310,000 euros" in answer.text
    assert [s.page for s in answer.sources if s.page is not None] == [2]


def test_a_question_on_another_subject_is_answered_from_any_document(others: Store) -> None:
    answer = extractive(others).ask("How much did the ministry spend on shelters in 2012?")
    assert OFF_SOURCE not in answer.why


def test_the_programmes_documents_are_the_catalogues_and_those_naming_icmpd_first(
    others: Store, own: Store
) -> None:
    catalogue = {
        r.id for r in extractive(others).programme.records().items if r.kind != "milestone"
    }
    assert extractive(others).programme.own_documents() == catalogue
    assert extractive(own).programme.own_documents() - catalogue == {"review"}


def test_a_pdf_under_a_catalogue_title_is_the_programmes(
    tmp_path: Path, embedder: Embedder
) -> None:
    title = catalogue.publications()[0].title
    pdf = text_pdf(tmp_path / "downloaded.pdf", [title, SPENDING], title=title)
    store = records_store(tmp_path, embedder, pdf, title=title)
    assert "downloaded" in extractive(store).programme.own_documents()


def test_a_page_of_the_programmes_found_beside_anothers_keeps_the_answer(others: Store) -> None:
    """The gate reads the pages found, not the sentences the answer keeps of them: a page of
    a catalogue publication among them (here the report's page under a catalogue id)."""
    programme = extractive(others).programme
    theirs = [c for c in others.iter_chunks() if c.page == 2]
    records = [c for c in others.iter_chunks() if c.page is None]
    ours = replace(theirs[0], doc_id=catalogue.publications()[0].id)
    assert programme.off_source(ASKED, "", theirs + records)
    assert not programme.off_source(ASKED, "", [*theirs, ours])
    assert not programme.off_source("How much did the ministry spend on shelters?", "", theirs)
