"""read_pdf and clean_text on generated PDFs, each damage kind, and the real corpus."""

from __future__ import annotations

import functools
import multiprocessing
import os
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pypdf
import pytest

from ingest.errors import CorruptPdf, EmptyPdf, EncryptedPdf, NotAPdf
from ingest.pdf import ParsedPdf, clean_text, read_pdf
from tests import pdf_factory

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
CORPUS_FILES = sorted(CORPUS.glob("*.pdf")) if CORPUS.is_dir() else []
NO_CORPUS = pytest.mark.skip(reason=f"corpus not found at {CORPUS}; integration tests need it")

FILLER = "Victims were recruited with false promises of work abroad and then exploited."


def _pages(n: int) -> list[str]:
    return [f"Page {i} of the report. {FILLER}" for i in range(1, n + 1)]


@functools.cache
def _parsed_corpus() -> dict[str, ParsedPdf]:
    """Every corpus file parsed once per session, several tests looking at the same ones, in
    as many processes as there are cores: the parse (pypdf's text extraction) uses one, and
    the slow tests run alone. Spawned, not forked: this process holds threads."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=context) as pool:
        return dict(
            zip([p.name for p in CORPUS_FILES], pool.map(read_pdf, CORPUS_FILES), strict=True)
        )


def _corpus(name: str) -> ParsedPdf:
    return _parsed_corpus()[name]


def _needs_corpus(name: str) -> Path:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus file {path} not found; integration tests need the shared corpus")
    return path


# --- generated PDFs -----------------------------------------------------------------------


def test_pages_are_counted_and_numbered_from_one(tmp_path: Path) -> None:
    parsed = read_pdf(pdf_factory.text_pdf(tmp_path / "five.pdf", _pages(5)))

    assert parsed.page_count == 5
    assert [page.number for page in parsed.pages] == [1, 2, 3, 4, 5]
    assert parsed.pages[0].text.startswith("Page 1 of the report.")
    assert parsed.empty_pages == []
    assert parsed.has_text


def test_sentence_on_page_three_is_found_there_and_nowhere_else(tmp_path: Path) -> None:
    sentence = "The national rapporteur counted 1,234 presumed victims in 2011."
    pages = _pages(5)
    pages[2] = f"{FILLER} {FILLER} {sentence} {FILLER}"

    parsed = read_pdf(pdf_factory.text_pdf(tmp_path / "doc.pdf", pages))

    assert [page.number for page in parsed.pages if sentence in page.text] == [3]


def test_long_paragraph_wrapped_over_lines_reads_back_as_one_line(tmp_path: Path) -> None:
    paragraph = " ".join(
        f"Sentence number {i} describes one case of labour exploitation." for i in range(30)
    )

    parsed = read_pdf(pdf_factory.text_pdf(tmp_path / "long.pdf", [paragraph]))

    assert parsed.pages[0].text == paragraph


def test_roman_then_arabic_page_labels_are_reported(tmp_path: Path) -> None:
    path = pdf_factory.text_pdf(
        tmp_path / "labels.pdf", _pages(6), page_labels=[(0, "/r", 1), (3, "/D", 1)]
    )

    parsed = read_pdf(path)

    assert [page.label for page in parsed.pages] == ["i", "ii", "iii", "1", "2", "3"]


def test_label_equal_to_the_page_number_is_kept(tmp_path: Path) -> None:
    path = pdf_factory.text_pdf(tmp_path / "plain.pdf", _pages(3), page_labels=[(0, "/D", 1)])

    assert [page.label for page in read_pdf(path).pages] == ["1", "2", "3"]


def test_pdf_without_page_labels_has_none(tmp_path: Path) -> None:
    parsed = read_pdf(pdf_factory.text_pdf(tmp_path / "nolabels.pdf", _pages(3)))

    assert [page.label for page in parsed.pages] == [None, None, None]


def test_title_comes_from_metadata(tmp_path: Path) -> None:
    path = pdf_factory.text_pdf(tmp_path / "t.pdf", _pages(1), title="  Trafficking in Persons  ")

    assert read_pdf(path).title == "Trafficking in Persons"


@pytest.mark.parametrize(
    "title", [None, "untitled", "Microsoft Word - report final v2.doc", "draft.indd", "--"]
)
def test_missing_or_placeholder_title_is_none(tmp_path: Path, title: str | None) -> None:
    path = pdf_factory.text_pdf(tmp_path / "t.pdf", _pages(1), title=title)

    assert read_pdf(path).title is None


def test_password_protected_pdf_raises_encrypted(tmp_path: Path) -> None:
    path = pdf_factory.encrypted_pdf(tmp_path / "locked.pdf", password="secret")

    with pytest.raises(EncryptedPdf, match="password") as error:
        read_pdf(path, source="Locked report")

    assert error.value.source == "Locked report"


def test_pdf_encrypted_with_empty_password_is_read(tmp_path: Path) -> None:
    text = "Restricted permissions do not stop reading this sentence."
    path = pdf_factory.encrypted_pdf(tmp_path / "open.pdf", text=text, password="")

    assert pypdf.PdfReader(path).is_encrypted
    assert read_pdf(path).pages[0].text == text


def test_truncated_pdf_raises_corrupt(tmp_path: Path) -> None:
    path = pdf_factory.corrupt_pdf(tmp_path / "broken.pdf")

    with pytest.raises(CorruptPdf, match="cannot be parsed") as error:
        read_pdf(path)

    assert error.value.source == str(path)


def test_image_only_pdf_is_readable_with_every_page_empty(tmp_path: Path) -> None:
    parsed = read_pdf(pdf_factory.image_only_pdf(tmp_path / "scan.pdf", pages=3))

    assert parsed.page_count == 3
    assert parsed.empty_pages == [1, 2, 3]
    assert [page.text for page in parsed.pages] == ["", "", ""]
    assert not parsed.has_text


def test_blank_pages_between_text_pages_are_listed_as_empty(tmp_path: Path) -> None:
    pages = [_pages(1)[0], "", "Fig. 3", _pages(1)[0]]

    parsed = read_pdf(pdf_factory.text_pdf(tmp_path / "mixed.pdf", pages))

    assert parsed.empty_pages == [2, 3]
    assert parsed.pages[2].text == "Fig. 3"  # near-empty text is kept, only flagged
    assert parsed.has_text


def test_zero_byte_file_raises_empty(tmp_path: Path) -> None:
    path = pdf_factory.zero_byte_pdf(tmp_path / "nothing.pdf")

    with pytest.raises(EmptyPdf, match=r"empty \(0 bytes\)"):
        read_pdf(path)


def test_pdf_without_pages_raises_empty(tmp_path: Path) -> None:
    path = tmp_path / "nopages.pdf"
    with path.open("wb") as handle:
        pypdf.PdfWriter().write(handle)

    with pytest.raises(EmptyPdf, match="no pages"):
        read_pdf(path)


def test_html_saved_as_pdf_raises_not_a_pdf_naming_html(tmp_path: Path) -> None:
    path = pdf_factory.html_as_pdf(tmp_path / "error.pdf")

    with pytest.raises(NotAPdf, match="HTML"):
        read_pdf(path, source="https://example.org/report.pdf")


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "PNG image"),
        (b"\xff\xd8\xff\xe0" + bytes(64), "JPEG image"),
        (b"PK\x03\x04" + bytes(64), "Office document"),
        (b"Dear colleague,\nplease find the report attached.\n", "plain text"),
        (bytes(range(256)), "unknown"),
    ],
    ids=["png", "jpeg", "zip", "text", "binary"],
)
def test_other_non_pdfs_say_what_they_look_like(tmp_path: Path, head: bytes, kind: str) -> None:
    path = tmp_path / "fake.pdf"
    path.write_bytes(head)

    with pytest.raises(NotAPdf, match=kind):
        read_pdf(path)


def test_failure_on_one_page_marks_it_empty_and_keeps_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = _pages(3)
    pages[1] = "This page has a font that sends the extractor into endless recursion."
    path = pdf_factory.text_pdf(tmp_path / "flaky.pdf", pages)
    extract = pypdf.PageObject.extract_text

    def flaky(self: pypdf.PageObject, *args: object, **kwargs: object) -> str:
        text = extract(self, *args, **kwargs)
        if "endless recursion" in text:
            raise RecursionError("maximum recursion depth exceeded")
        return text

    monkeypatch.setattr(pypdf.PageObject, "extract_text", flaky)

    parsed = read_pdf(path)

    assert parsed.empty_pages == [2]
    assert [page.text == "" for page in parsed.pages] == [False, True, False]


def test_thousands_of_blank_pages_parse(tmp_path: Path) -> None:
    parsed = read_pdf(pdf_factory.many_empty_pages_pdf(tmp_path / "blank.pdf", pages=2000))

    assert parsed.page_count == 2000
    assert len(parsed.empty_pages) == 2000
    assert not parsed.has_text


# --- clean_text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("traf-\nficking", "trafficking"),
        ("traf- \n  ficking in persons", "trafficking in persons"),
        ("anti-\nTrafficking", "anti-Trafficking"),
        ("2010-\n2015", "2010-2015"),
        ("hu\u00adman traf\u00ad\nficking", "human trafficking"),
        ("a spaced dash -\nthen more", "a spaced dash - then more"),
        ("  line one\nline two\r\n\tline   three  ", "line one line two line three"),
        ("form\x0cfeed and\u00a0no-break\u2003em space", "form feed and no-break em space"),
        ("con\x00trol\x07 chars\u200b gone", "control chars gone"),
        ("\ufb01nal of\ufb02ine e\ufb00ort", "final offline effort"),
        ("Caf\u00e9 \u0152uvre \u00fcber", "Caf\u00e9 \u0152uvre \u00fcber"),
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    "raw",
    [
        "traf-\nficking anti-\nTrafficking",
        "e\x00\u0301 and e\n\u0301",
        "\ufb01 \u00bd \u2460 x\u00b2 \uff21",
        "umlaut \u00a8 and acute \u00b4 decompose to a space plus a mark",
        "soft\u00ad \u00ad\nhyphen\u00ad",
        "  \u2028para\u2029graph\x85next\x1e ",
        "word-\n\n\n   -\nnext",
    ],
)
def test_clean_text_is_idempotent(raw: str) -> None:
    once = clean_text(raw)

    assert clean_text(once) == once


def test_clean_text_is_idempotent_on_random_mixes_of_awkward_characters() -> None:
    awkward = (
        "aZ-1 \n\r\t\x0c\x85\x00"  # letters, digits, hyphen, whitespace and control
        "\u00ad\u2010\u00a0\u2028\u200b\ufeff"  # soft hyphen, unicode hyphen and spaces
        "e\u0301\u0327\ufb01\u00bd\u00b2\u00a8"  # combining marks, NFKC decompositions
    )
    rng = random.Random(20240601)
    for _ in range(5000):
        raw = "".join(rng.choice(awkward) for _ in range(rng.randint(0, 12)))
        once = clean_text(raw)
        assert clean_text(once) == once, f"not idempotent on {raw!r}"


# --- the shared corpus --------------------------------------------------------------------


@pytest.mark.slow
def test_forum_on_crime_starts_with_roman_labels() -> None:
    name = "UNODC_2015_Forum_on_Crime_and_Society_Vol8_Data_on_Trafficking_in_Persons.pdf"
    _needs_corpus(name)

    labels = [page.label for page in _corpus(name).pages]

    assert labels[:10] == ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "1", "2"]


@pytest.mark.slow
def test_global_report_chapter_labels_start_at_65() -> None:
    name = "UNODC_GLOTIP2024_Chapter2_Trafficking_in_and_from_Africa.pdf"
    _needs_corpus(name)

    parsed = _corpus(name)

    assert [page.label for page in parsed.pages] == [str(n) for n in range(65, 110)]


@pytest.mark.slow
@pytest.mark.parametrize(
    "path",
    [pytest.param(path, id=path.stem) for path in CORPUS_FILES]
    or [pytest.param(None, marks=NO_CORPUS, id="no-corpus")],
)
def test_every_corpus_pdf_parses_with_pypdfs_page_count(path: Path) -> None:
    parsed = _corpus(path.name)

    assert parsed.page_count == len(pypdf.PdfReader(path).pages)
    assert parsed.has_text
    assert [page.number for page in parsed.pages] == list(range(1, parsed.page_count + 1))
