"""HTML rendering: document text is always escaped, and each fragment is one line of HTML."""

from __future__ import annotations

from assistant.answer import Answer, Source
from ui import render
from vectorstore.records import DocumentInfo

SCRIPT = "<script>alert(1)</script>"


def source(**changes: object) -> Source:
    values: dict = {
        "n": 1,
        "kind": "publication",
        "id": "doc",
        "doc_id": "doc",
        "title": "A report",
        "year": 2010,
        "page": 5,
        "page_label": "3",
        "quote": "Victims were referred to shelters.",
        "url": "https://example.org/report.pdf#page=5",
    }
    values.update(changes)
    return Source(**values)


def answer(*sources: Source, text: str = "Victims were referred to shelters. [1]") -> Answer:
    return Answer(text, False, list(sources), "Where were victims referred?", backend="extractive")


def test_document_text_is_escaped_everywhere() -> None:
    hostile = source(title=f"Title {SCRIPT}", quote=f"Quote {SCRIPT} & more")
    html = render.answer_html(answer(hostile, text=f"Claim {SCRIPT} [1]"), 0, {"doc"})

    assert "<script>" not in html
    assert html.count("&lt;script&gt;") >= 3  # text, title, quote (and the copy text)
    assert "&amp; more" in html


def test_fragments_are_one_line_so_markdown_leaves_them_alone() -> None:
    multi = answer(source(), text="First line [1]\n\nSecond paragraph [1]")

    html = render.answer_html(multi, 0, {"doc"})

    assert "\n" not in html
    assert "First line" in html and "<br><br>Second paragraph" in html
    assert "&#10;" in html  # the copy text keeps its line breaks as character references


def test_question_words_are_highlighted_in_the_quote() -> None:
    html = render.highlight("Victims were referred to shelters <b>.", "where are victims referred")

    assert html == ("<mark>Victims</mark> were <mark>referred</mark> to shelters &lt;b&gt;.")


def test_source_card_links_the_served_pdf_at_its_page_and_the_original() -> None:
    html = render.answer_html(answer(source()), 3, {"doc"})

    # The app's viewer at the physical page, with the printed label and the passage to mark.
    assert 'href="/viewer?doc=doc&amp;page=5&amp;label=3&amp;q=' in html
    assert "Open at p. 5 (printed 3), passage highlighted" in html
    assert 'href="https://example.org/report.pdf#page=5"' in html
    assert "p. 5 (printed 3)" in html
    assert 'id="atp-3-1"' in html and 'href="#atp-3-1"' in html  # [1] jumps to its card


def test_no_pdf_link_for_a_document_the_app_cannot_serve() -> None:
    html = render.answer_html(answer(source()), 0, set())

    assert "/pdf/" not in html


def test_only_web_links_leave_the_app() -> None:
    html = render.answer_html(answer(source(url="javascript:alert(1)")), 0, set())

    assert 'href="javascript' not in html


def test_milestone_sources_show_year_and_statement() -> None:
    milestone = source(
        kind="milestone",
        id="ms-2017-icat-member",
        doc_id="milestones",
        title="Anti-Trafficking Programme milestone 2017",
        year=2017,
        page=None,
        page_label=None,
        quote="2017: ICMPD became the first non-UN organisation to be a member of ICAT.",
        url=None,
    )

    html = render.answer_html(answer(milestone, text="ICMPD joined ICAT. [1]"), 0, set())

    assert "Programme milestone" in html and ">2017<" in html
    assert "first non-UN organisation" in html


def test_refusal_lists_related_reading() -> None:
    refused = Answer("The publications don't cover this question.", True, [source()], "q")

    assert "Related reading" in render.answer_html(refused, 0, set())


def test_a_refusal_gives_its_strongest_reason_in_one_plain_line() -> None:
    reasons = ["no timeline item is dated in the years asked", "a weaker reason"]
    refused = Answer("Nothing is dated then.", True, [source()], "q", why=reasons)
    html = render.answer_html(refused, 0, set())
    assert '<div class="atp-why">Why: No timeline item is dated in the years asked.</div>' in html
    assert "[" not in render.why(refused) and "weaker" not in html
    said = Answer("Refused (no timeline item is dated in the years asked).", True, [], why=reasons)
    assert render.why(said) == ""  # the text says it already
    assert render.why(answer(source())) == ""  # an answer has no refusal reason


def test_pdf_link_quotes_the_id() -> None:
    assert render.pdf_link("a b/../c", 2) == "/pdf/a%20b%2F..%2Fc#page=2"


def test_library_table_escapes_titles_and_notes() -> None:
    info = DocumentInfo(
        id="x",
        title=f"Bad {SCRIPT}",
        year=None,
        doc_type="study",
        kind="publication",
        url=None,
        pages=3,
        chunks=4,
        content_hash="h",
        version="v",
        empty_pages=[2],
        warnings=[f"odd {SCRIPT}"],
        ingested_at="2024-01-02T03:04:05+00:00",
    )

    html = render.library_html([info], {"x"})

    assert "<script>" not in html and "Bad &lt;script&gt;" in html
    assert "2024-01-02 03:04" in html and 'href="/pdf/x"' in html


def test_status_says_what_is_indexed_and_running() -> None:
    assert "Index unavailable: down" in render.status_html(None, None, error="down")
    assert "index is empty: run `python -m ingest`" in render.status_html([], None)
    assert "Working: adding records" in render.status_html([], "adding records")
