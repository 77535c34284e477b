"""Records survive Chroma's metadata rules: no None, no lists, only str/int/float/bool."""

from __future__ import annotations

import pytest

from vectorstore.records import MILESTONE, PUBLICATION, Chunk, DocumentInfo, chunk_id, page_id

BARE = Chunk(
    doc_id="catalogue",
    ref_id="trm-eu-guidelines",
    kind=PUBLICATION,
    title="Guidelines",
    year=None,
    doc_type="guidelines",
    url=None,
    page=None,
    page_label=None,
    index=0,
    start=0,
    end=4,
    text="text",
    content_hash="abc",
    version="v1",
)
FULL = Chunk(
    doc_id="report",
    ref_id="report",
    kind=PUBLICATION,
    title="Report",
    year=2010,
    doc_type="study",
    url="https://example.org/report.pdf",
    page=7,
    page_label="vii",
    index=12,
    start=30,
    end=90,
    text="some text",
    content_hash="def",
    version="v2",
)
MILESTONE_CHUNK = Chunk(
    doc_id="milestones",
    ref_id="ms-2014-brazil",
    kind=MILESTONE,
    title="Milestone 2014",
    year=2014,
    doc_type="milestone",
    url=None,
    page=None,
    page_label=None,
    index=3,
    start=0,
    end=5,
    text="2014:",
    content_hash="ghi",
    version="v3",
    period_start=2008,
)


@pytest.mark.parametrize("chunk", [BARE, FULL, MILESTONE_CHUNK], ids=["bare", "full", "milestone"])
def test_chunk_metadata_round_trip(chunk: Chunk) -> None:
    meta = chunk.to_metadata()

    assert all(isinstance(v, str | int | float | bool) for v in meta.values()), meta
    assert Chunk.from_metadata(chunk.text, meta) == chunk


def test_none_maps_to_zero_and_empty() -> None:
    meta = BARE.to_metadata()

    assert (meta["year"], meta["page"], meta["period_start"]) == (0, 0, 0)
    assert (meta["url"], meta["page_label"]) == ("", "")
    assert meta["chunk_index"] == 0
    assert MILESTONE_CHUNK.to_metadata()["period_start"] == 2008


def test_ids_carry_the_version() -> None:
    assert FULL.id == chunk_id("report", "v2", 12) == "report::v2::00012"
    assert page_id("report", "v2", 7) == "report::v2::p00007"
    assert chunk_id("report", "v1", 12) != FULL.id


def test_document_info_json_round_trip() -> None:
    info = DocumentInfo(
        id="report",
        title="Rapport é",
        year=None,
        doc_type="study",
        kind=PUBLICATION,
        url=None,
        pages=3,
        chunks=5,
        content_hash="def",
        version="v2",
        empty_pages=[2],
        page_labels={"1": "i"},
        warnings=["1 of 3 pages have no text layer"],
    )
    assert DocumentInfo.from_json(info.to_json()) == info
    # Records written by a newer version with extra fields still load.
    assert DocumentInfo.from_json(info.to_json()[:-1] + ', "future": 1}') == info
    assert set(info.summary()) >= {"id", "title", "year", "kind", "pages", "chunks"}
