"""Switching ATP_EMBED_BACKEND re-embeds on the next ingest when the vectors change (int8);
keeping it, or switching between PyTorch and its fp32 ONNX copy, skips unchanged files."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from ingest.sources import from_path
from tests import pdf_factory
from vectorstore.client import connect
from vectorstore.embeddings import Embedder, get_embedder
from vectorstore.settings import StoreSettings
from vectorstore.store import Store

pytest.importorskip("onnxruntime", reason="the onnx backend needs onnxruntime")


def test_a_backend_switch_re_embeds_and_then_skips(
    tmp_path: Path, atp_data_dir: Path, embedder: Embedder
) -> None:
    settings = StoreSettings.from_env({}, data_dir=atp_data_dir)
    client = connect(settings)
    int8 = get_embedder("onnx", embedder.model_path, cache_dir=settings.model_cache)
    torch = get_embedder("torch", embedder.model_path)
    pdf = pdf_factory.text_pdf(
        tmp_path / "alpha.pdf",
        ["Victims of trafficking are referred to shelters.", "Judges define exploitation."],
    )

    def ingest(model: Embedder) -> str:
        pipeline = Pipeline(Store(client, model, "atp"), IngestSettings.from_env({}), atp_data_dir)
        return pipeline.ingest([from_path(pdf)]).documents[0].status

    assert embedder.backend == "onnx-fp32"  # the default
    assert ingest(embedder) == "added"
    assert ingest(embedder) == "unchanged"
    assert ingest(torch) == "unchanged"  # the same vectors
    assert ingest(int8) == "replaced"
    assert ingest(int8) == "unchanged"
    assert ingest(embedder) == "replaced"
