"""Running headers: the opening words most pages of a document share, read out of a page's
first sentence; unit tests on chunks, then a real PDF through ingest and the answer."""

from __future__ import annotations

import pytest

from assistant.answering.headers import RunningHeaders
from assistant.backends.extractive import ExtractiveBackend
from assistant.chat import Assistant
from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from ingest.sources import from_path
from tests.pdf_factory import text_pdf
from vectorstore.client import connect
from vectorstore.embeddings import Embedder
from vectorstore.records import PUBLICATION, Chunk
from vectorstore.settings import StoreSettings
from vectorstore.store import Store

HEADER = "TRAFFICKING IN HUMAN BEINGS; THIRD REPORT OF THE NATIONAL RAPPORTEUR"
BODIES = [
    "The labour inspectorate visited 412 farms in the spring.",
    "Shelters in the north took in 37 women during the year.",
    "Courts imposed prison sentences in most of the cases heard.",
    "Brokers recruited kidney donors through newspaper advertisements.",
    "The helpline answered calls from victims in nine languages.",
    "Most presumed victims were registered by the police in Amsterdam.",
]


def chunk(doc: str, page: int, text: str, start: int = 0) -> Chunk:
    return Chunk(
        doc_id=doc,
        ref_id=doc,
        kind=PUBLICATION,
        title="Report",
        year=2010,
        doc_type="report",
        url=None,
        page=page,
        page_label=None,
        index=page,
        start=start,
        end=start + len(text),
        text=text,
        content_hash="h",
        version="v",
    )


def headed(doc: str = "rep") -> list[Chunk]:
    """Even pages open with their number and the report's title, odd ones with a chapter's
    title and their number, as printed reports do."""
    out = []
    for page, body in enumerate(BODIES * 2, start=1):
        top = f"{page} {HEADER}" if page % 2 == 0 else f"Victims and their rights {page}"
        out.append(chunk(doc, page, f"{top} {body}"))
    return out


def test_a_header_most_pages_open_with_is_read_out_page_numbers_and_all() -> None:
    chunks = headed()
    bare = chunk("rep", 14, f"14 | {HEADER}")  # a page of nothing but its header
    headers = RunningHeaders([*chunks, bare])

    for c in chunks:
        assert c.text[headers.skip(c) :] in BODIES
    assert headers.skip(bare) == len(bare.text)


def test_only_a_pages_opening_and_only_what_pages_share() -> None:
    later = chunk("rep", 3, f"4 {HEADER} appears mid-page here.", start=200)
    # pages opening with a number and then what they say, twice over: "12 The ..." on 4 pages
    plain = [chunk("other", p, f"{p} {body}") for p, body in enumerate(BODIES * 2, start=1)]
    headers = RunningHeaders([*headed(), later, *plain])

    assert headers.skip(later) == 0  # not the top of its page
    assert all(headers.skip(c) == 0 for c in plain)  # a number and a common first word are not


def test_a_chapters_header_ending_in_the_page_number_is_read_out_on_few_pages() -> None:
    """A chapter's title and the page's own number open only its odd pages, too few to share
    with the whole report; that the number is the page's makes it a header. A date that opens
    as many pages is not."""
    chapter = [
        chunk("rep", p, f"Victims and their rights in court {p} {BODIES[p % 6]}")
        for p in (31, 33, 35)
    ]
    dated = [chunk("rep", p, f"In 2010 the courts ruled {BODIES[p % 6]}") for p in (40, 42, 44)]
    rest = [
        chunk("rep", p, BODIES[p % 6]) for p in range(1, 61) if p not in (31, 33, 35, 40, 42, 44)
    ]
    headers = RunningHeaders([*chapter, *dated, *rest])

    assert all(c.text[headers.skip(c) :] in BODIES for c in chapter)
    assert all(headers.skip(c) == 0 for c in dated)


def test_a_document_of_few_pages_has_no_header() -> None:
    chunks = headed()[:2]
    assert all(RunningHeaders(chunks).skip(c) == 0 for c in chunks)


@pytest.fixture(scope="module")
def report_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Store:
    root = tmp_path_factory.mktemp("headers")
    store = Store(connect(StoreSettings.from_env({}, data_dir=root / "data")), embedder)
    pages = [f"{HEADER} {n}\n{body} The report page ends here." for n, body in enumerate(BODIES)]
    pdf = text_pdf(root / "report.pdf", pages)
    report = Pipeline(store, IngestSettings.from_env({}), root / "data").ingest(
        [from_path(pdf, title="Third report", year=2004)]
    )
    assert not report.failures
    return store


def test_an_answer_quotes_the_page_without_its_header_and_still_verifies(
    report_index: Store,
) -> None:
    answer = Assistant(report_index, ExtractiveBackend()).ask(
        "How many farms did the labour inspectorate visit?"
    )

    assert not answer.refused
    assert answer.text.startswith("The labour inspectorate visited 412 farms in the spring.")
    assert HEADER not in answer.text
    assert answer.sources[0].page == 1
    assert answer.sources[0].quote.startswith("The labour inspectorate")


def test_the_evaluation_counts_an_answer_sentence_opening_with_a_header_as_junk() -> None:
    from assistant.eval import junk_sentences

    headers = RunningHeaders(headed())
    answer = f"8 {HEADER} The helpline answered calls. [1] Shelters took in 37 women. [2]"

    assert headers.opens(f"8 {HEADER} The helpline answered calls.")
    assert not headers.opens("Shelters took in 37 women.")
    assert junk_sentences(answer, headers) == [
        f"running header: 8 {HEADER} The helpline answered calls."
    ]
    assert junk_sentences(answer) == []  # without the index, only page furniture by its look
