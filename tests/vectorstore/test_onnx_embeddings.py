"""The onnx embedding backends: fp32 (the default) and int8 copies of the bundled model, built
here and cached.

The build is real (PyTorch export, fusion, quantization) and lands in the user's cache like in
use, so a test session pays for it at most once per set of weights.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from tests.cli import model
from vectorstore.embeddings import (
    EMBEDDERS,
    Embedder,
    EmbeddingModelError,
    OnnxEmbedder,
    get_embedder,
)
from vectorstore.onnx_build import OnnxBuildError, _build_modules, cached_hash, weights_hash
from vectorstore.settings import SettingsError, StoreSettings, default_model_path

pytest.importorskip("onnxruntime", reason="the onnx backend needs onnxruntime")

TEXTS = [
    "Victims of trafficking are entitled to a recovery and reflection period of at least 30 days.",
    "Milestone 2017",
    "The National Rapporteur monitors the effects of anti-trafficking policy in the Netherlands "
    "and reports to the government; the report covers prosecutions, convictions, the number of "
    "presumed victims registered by CoMensha, their nationalities, ages and the forms of "
    "exploitation, with recommendations to the ministries concerned. " * 3,
    "Forced criminality",
]


@pytest.fixture(scope="session")
def onnx_embedder() -> OnnxEmbedder:
    settings = StoreSettings.from_env({})
    model = OnnxEmbedder(default_model_path(), cache_dir=settings.model_cache)
    model.encode(["warm up"])
    return model


@pytest.fixture(scope="session")
def torch_embedder() -> Embedder:
    return model(default_model_path(), backend="torch")


def test_vectors_are_the_same_models(onnx_embedder: OnnxEmbedder, torch_embedder: Embedder) -> None:
    got, want = onnx_embedder.encode(TEXTS), torch_embedder.encode(TEXTS)
    assert got.dtype == np.float32 and got.shape == want.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    cosines = np.sum(got * want, axis=1)
    assert cosines.min() > 0.97, cosines
    # Each text keeps its own place however the batch is sorted by length inside.
    assert np.argmax(got @ want.T, axis=1).tolist() == list(range(len(TEXTS)))


def test_the_default_fp32_copy_gives_pytorchs_vectors(
    embedder: Embedder, torch_embedder: Embedder, onnx_embedder: OnnxEmbedder
) -> None:
    """So an index built with either needs no re-embedding; int8's does (its vectors move)."""
    assert StoreSettings.from_env({}).embed_backend == embedder.backend == "onnx-fp32"
    got, want = embedder.encode(TEXTS), torch_embedder.encode(TEXTS)
    assert np.sum(got * want, axis=1).min() > 0.9999
    assert embedder.fingerprint == torch_embedder.fingerprint
    assert onnx_embedder.fingerprint != torch_embedder.fingerprint


def test_a_text_alone_or_in_a_batch_is_near_enough(onnx_embedder: OnnxEmbedder) -> None:
    """Activations are quantized per batch (one scale per tensor), so the neighbours in a
    batch move a vector a little: about as far as int8 is from fp32, never to another text."""
    batch = onnx_embedder.encode(TEXTS)
    alone = np.stack([onnx_embedder.encode([t])[0] for t in TEXTS])
    assert np.sum(batch * alone, axis=1).min() > 0.98
    assert np.argmax(batch @ alone.T, axis=1).tolist() == list(range(len(TEXTS)))
    assert onnx_embedder.encode([]).shape == (0, 384)


def test_the_build_is_reused(onnx_embedder: OnnxEmbedder, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    again = OnnxEmbedder(onnx_embedder.model_path, cache_dir=onnx_embedder.cache_dir)
    again.say = built.append
    monkeypatch.setattr("vectorstore.onnx_build.build", lambda *a: built.append("built"))
    again.encode(["reused"])
    assert built == []


def test_the_cache_key_follows_the_weights(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(b"weights")
    cache = tmp_path / "cache"
    first = cached_hash(folder, cache)
    assert first == weights_hash(folder)
    (folder / "model.safetensors").write_bytes(b"other weights")
    assert cached_hash(folder, cache) != first


def test_backends_are_chosen_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(EMBEDDERS) == {"torch", "onnx", "onnx-fp32"}
    assert get_embedder("torch", "m").backend == "torch"
    assert get_embedder("onnx", "m").backend == "onnx"
    assert get_embedder("onnx-fp32", "m").backend == "onnx-fp32"
    with pytest.raises(EmbeddingModelError, match="expected one of torch, onnx-fp32, onnx"):
        get_embedder("tensorflow", "m")
    monkeypatch.setenv("ATP_EMBED_BACKEND", "openvino")
    with pytest.raises(SettingsError, match="ATP_EMBED_BACKEND='openvino' is not valid"):
        StoreSettings.from_env()


def test_missing_onnxruntime_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(OnnxBuildError, match=r"pip install onnxruntime.*ATP_EMBED_BACKEND=torch"):
        _build_modules()
    fresh = OnnxEmbedder(default_model_path(), cache_dir=tmp_path)
    with pytest.raises(EmbeddingModelError, match="onnxruntime"):
        fresh.encode(["anything"])


def test_a_missing_model_folder_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingModelError, match="ATP_EMBEDDING_MODEL"):
        OnnxEmbedder(str(tmp_path / "nowhere"), cache_dir=tmp_path).encode(["x"])
