"""chunk_pages: page-bound chunks whose offsets reproduce their text exactly."""

from __future__ import annotations

import itertools

import pytest

from ingest.chunking import chunk_pages
from ingest.settings import IngestSettings
from vectorstore.records import Page
from vectorstore.settings import SettingsError

SENTENCE = "Victims of trafficking were identified by labour inspectors in {n} regions."


def long_page(number: int, sentences: int = 30) -> Page:
    text = " ".join(SENTENCE.format(n=number * 100 + i) for i in range(sentences))
    return Page(number=number, label=f"p{number}", text=text)


PAGES = [
    long_page(1),
    Page(number=2, label=None, text=""),
    Page(number=3, label=None, text="   "),
    Page(number=4, label="iv", text="A short page."),
    long_page(5, sentences=12),
]


@pytest.mark.parametrize(("size", "overlap"), [(200, 40), (400, 100), (900, 150)])
def test_chunks_are_exact_substrings_of_one_page(size: int, overlap: int) -> None:
    spans = chunk_pages(PAGES, size, overlap)

    assert spans, "nothing was chunked"
    for span in spans:
        assert span.page.text[span.start : span.end] == span.text
        assert 0 <= span.start < span.end <= len(span.page.text)
        assert len(span.text) <= size
        assert span.text == span.text.strip()


def test_chunks_never_straddle_pages_and_skip_empty_ones() -> None:
    spans = chunk_pages(PAGES, 200, 40)

    assert sorted({s.page.number for s in spans}) == [1, 4, 5]
    assert [s.page.number for s in spans] == sorted(s.page.number for s in spans)
    assert [s.text for s in spans if s.page.number == 4] == ["A short page."]
    # The end of page 1 and the start of page 5 never share a chunk.
    last_of_1 = [s for s in spans if s.page.number == 1][-1]
    assert last_of_1.end == len(PAGES[0].text)
    assert "501" not in last_of_1.text


def test_consecutive_chunks_overlap() -> None:
    """With the default 900/150: the splitter carries whole sentences over, up to 150 chars
    (so a sentence longer than the overlap is not carried at all)."""
    spans = chunk_pages([long_page(1, sentences=60)], 900, 150)

    assert len(spans) >= 5
    for before, after in itertools.pairwise(spans):
        assert after.start < before.end, (before, after)  # they share text
        assert after.start > before.start  # and still move forward
        shared = before.page.text[after.start : before.end]
        assert 70 < len(shared) <= 150, shared
    covered = set()
    for s in spans:
        covered |= set(range(s.start, s.end))
    text = spans[0].page.text
    assert {i for i in range(len(text)) if not text[i].isspace()} <= covered


def test_without_overlap_chunks_do_not_share_text() -> None:
    spans = chunk_pages([long_page(1)], 200, 0)
    assert all(b.start >= a.end for a, b in itertools.pairwise(spans))


def test_no_pages_or_only_blank_pages_give_no_chunks() -> None:
    assert chunk_pages([], 900, 150) == []
    assert chunk_pages(PAGES[1:3], 900, 150) == []


def test_repeated_text_keeps_each_chunk_at_its_own_offset() -> None:
    text = " ".join(["The same sentence repeats on this page."] * 20)
    spans = chunk_pages([Page(1, None, text)], 100, 20)

    assert len({s.start for s in spans}) == len(spans)
    assert all(text[s.start : s.end] == s.text for s in spans)


def test_overlap_must_be_smaller_than_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATP_CHUNK_SIZE", "300")
    monkeypatch.setenv("ATP_CHUNK_OVERLAP", "300")
    with pytest.raises(SettingsError) as caught:
        IngestSettings.from_env()
    assert str(caught.value) == (
        "ATP_CHUNK_OVERLAP=300 is not valid: expected less than ATP_CHUNK_SIZE (300)"
    )
    monkeypatch.setenv("ATP_CHUNK_OVERLAP", "299")
    settings = IngestSettings.from_env()
    assert (settings.chunk_size, settings.chunk_overlap) == (300, 299)
    assert settings.index_key == "chunks=300/299"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "ATP_CHUNK_SIZE='abc' is not valid: expected a whole number"),
        ("99", "ATP_CHUNK_SIZE=99 is not valid: expected at least 100"),
    ],
)
def test_bad_chunk_size_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("ATP_CHUNK_SIZE", value)
    with pytest.raises(SettingsError) as caught:
        IngestSettings.from_env()
    assert str(caught.value) == message
