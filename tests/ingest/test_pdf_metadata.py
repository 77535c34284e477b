"""Titles and years read from the PDF itself (issue #20, item 8), on the real corpus files.

The corpus is ../shared/corpus (MANIFEST.md gives each file's real title and year); these
tests skip when it is absent, since nothing from it is committed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pdf import read_pdf
from ingest.sources import from_path
from tests import pdf_factory

ROOT = Path(__file__).resolve().parents[2]
CORPUS = next(
    (
        p
        for p in (ROOT.parent / "shared" / "corpus", ROOT.parents[1] / "shared" / "corpus")
        if p.is_dir()
    ),
    None,
)
ATR = "ATR_2012_Dettmeijer_National_Judges_Definition_of_Human_Trafficking.pdf"
LEAFLET = "UNODC_Human_Trafficking_Indicators.pdf"


def corpus_file(name: str) -> Path:
    if CORPUS is None or not (CORPUS / name).is_file():
        pytest.skip(f"the shared corpus ({name}) is not on this machine")
    return CORPUS / name


def test_article_gets_its_printed_title_and_issue_year_not_the_file_names() -> None:
    path = corpus_file(ATR)
    source = from_path(path)
    parsed = read_pdf(path)

    assert source.name_year == 2012  # what the file name says
    assert parsed.title == (
        "The Prominent Role of National Judges in Interpreting the International Definition "
        "of Human Trafficking"
    )
    found = parsed.year(source.name_year)
    assert found is not None and found.year == 2016
    assert "issue 6, 2016" in found.basis and "page 1" in found.basis


def test_leaflet_without_a_printed_year_gets_its_creation_year() -> None:
    path = corpus_file(LEAFLET)
    parsed = read_pdf(path)

    assert parsed.title == "HUMAN TRAFFICKING INDICATORS"  # the metadata says "untitled"
    found = parsed.year(from_path(path).name_year)
    assert found is not None and (found.year, found.basis) == (
        2008,
        "the PDF's metadata (creation date)",
    )


def test_given_title_and_year_win_and_the_basis_is_kept(tmp_path: Path, embedder) -> None:
    from ingest.pipeline import Pipeline
    from ingest.settings import IngestSettings
    from vectorstore.client import connect
    from vectorstore.settings import StoreSettings
    from vectorstore.store import Store

    path = _first_pages(corpus_file(ATR), tmp_path / "atr.pdf")  # its title and year are there
    settings = StoreSettings.from_env({}, data_dir=tmp_path)
    store = Store(connect(settings), embedder)
    pipeline = Pipeline(store, IngestSettings.from_env({}), tmp_path)
    report = pipeline.ingest(
        [from_path(path, doc_id="read"), from_path(path, title="Mine", year=2020, doc_id="given")]
    )
    assert not report.failures
    read, given = store.document("read"), store.document("given")
    assert (read.title[:26], read.year) == ("The Prominent Role of Nati", 2016)
    assert read.year_basis.startswith("the PDF's text (citation, page 1")
    assert (given.title, given.year, given.year_basis) == ("Mine", 2020, "given")


def _first_pages(source: Path, target: Path, pages: int = 2) -> Path:
    """The real report cut to its first pages and metadata: the same reading, a tenth of the
    chunks to embed."""
    from pypdf import PdfReader, PdfWriter

    reader, writer = PdfReader(source), PdfWriter()
    for page in reader.pages[:pages]:
        writer.add_page(page)
    if reader.metadata:
        writer.add_metadata(dict(reader.metadata))
    with target.open("wb") as out:
        writer.write(out)
    return target


def test_a_file_names_year_beats_a_creation_date_but_not_a_stated_year(tmp_path: Path) -> None:
    plain = pdf_factory.text_pdf(tmp_path / "report_2011.pdf", ["Annual report", "Findings."])
    stated = pdf_factory.text_pdf(
        tmp_path / "report_2011_b.pdf", ["Annual report", "© Example Press 2014. Findings."]
    )

    assert read_pdf(plain).year(2011).basis == "the file name"
    assert read_pdf(stated).year(2011).year == 2014
