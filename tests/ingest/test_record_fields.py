"""The records' fields (kind of work, regions, partners, audience, links) reach the index,
so the assistant matches on them without reading ingest's package data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest import catalogue
from ingest.errors import CatalogueError
from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from vectorstore.records import Chunk
from vectorstore.store import Store


def test_each_record_chunk_carries_its_fields(store: Store, atp_data_dir: Path) -> None:
    pipeline = Pipeline(store, IngestSettings.from_env({}), atp_data_dir)
    pipeline.ingest_milestones()
    pipeline.ingest_catalogue_records()
    chunks = {c.ref_id: c for c in store.iter_chunks()}
    for ms in catalogue.milestones():
        assert json.loads(chunks[ms.id].fields) == ms.fields()
    for pub in catalogue.publications():
        assert json.loads(chunks[pub.id].fields) == pub.fields()
    west_africa = json.loads(chunks["ms-2023-west-africa"].fields)
    assert west_africa["partners"] == ["ECOWAS Commission"]
    assert "labour inspectors" in chunks["labour-inspectors-training-curriculum"].text


def test_fields_round_trip_through_chroma_metadata() -> None:
    chunk = Chunk(
        "milestones",
        "ms-x",
        "milestone",
        "t",
        2017,
        "milestone",
        None,
        None,
        None,
        0,
        0,
        1,
        "x",
        "h",
        "v",
        2016,
        json.dumps({"work": ["partnerships"]}),
    )
    assert Chunk.from_metadata("x", chunk.to_metadata()) == chunk


def test_an_unknown_kind_of_work_fails_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    first, *rest = catalogue.milestones()
    bad = type(first)(**{**first.__dict__, "work": ("juggling",)})
    monkeypatch.setattr(catalogue, "milestones", lambda: (bad, *rest))
    with pytest.raises(CatalogueError, match="unknown kind of work 'juggling'"):
        catalogue.validate()
