"""Sentence embeddings from a local model folder, loaded only when something needs encoding.

Three backends give vectors of the same model, chosen by name from EMBEDDERS: `onnx-fp32`
(the default: an ONNX copy built from the same folder by `vectorstore.onnx_build`, the same
vectors as PyTorch's, run by onnxruntime without importing PyTorch, so a process starts in
seconds), `onnx` (its int8 copy: faster, slightly different vectors) and `torch`
(sentence-transformers in fp32).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vectorstore.onnx_build import PRECISION
from vectorstore.settings import default_cache_dir


class EmbeddingModelError(RuntimeError):
    """The model folder is missing or unreadable; says which setting to change."""


class Embedder:
    """Lazy sentence-transformers model: a no-op re-ingest never pays for loading it."""

    backend = "torch"

    def __init__(self, model_path: str, batch_size: int = 64) -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return os.path.basename(os.path.normpath(self.model_path)) or self.model_path

    @property
    def fingerprint(self) -> str:
        """What the stored vectors depend on: a change re-embeds on the next ingest."""
        return self.model_path

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._check_folder()
                self._model = self._load()
        return self._model

    def _check_folder(self) -> None:
        if not self.model_path or not os.path.isdir(self.model_path):
            raise EmbeddingModelError(
                f"embedding model folder {self.model_path!r} not found: set ATP_EMBEDDING_MODEL to a "
                "sentence-transformers folder, or leave it empty for the bundled all-MiniLM-L6-v2"
            )
        # Never reach for a model hub: the folder is all there is.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    def _load(self):
        from sentence_transformers import SentenceTransformer

        try:
            return SentenceTransformer(self.model_path, device="cpu")
        except Exception as exc:  # corrupt weights, wrong folder layout...
            raise EmbeddingModelError(
                f"cannot load embedding model from {self.model_path!r}: {exc}"
            ) from exc

    @property
    def dimension(self) -> int:
        model = self.model
        # Renamed in sentence-transformers 5.x; keep working with both spellings.
        getter = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        return int(getter())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, so a dot product is the cosine similarity."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class OnnxEmbedder(Embedder):
    """An ONNX copy of the same model, built on first use and cached by the weights' hash."""

    backend = "onnx"

    def __init__(
        self,
        model_path: str,
        batch_size: int = 64,
        cache_dir: Path | None = None,
        say: Callable[[str], None] | None = None,
        precision: str = "int8",
    ) -> None:
        super().__init__(model_path, batch_size)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.say = say
        self.precision = precision
        self.backend = next(name for name, p in PRECISION.items() if p == precision)

    @property
    def fingerprint(self) -> str:
        # fp32 is built only if its vectors equal PyTorch's (onnx_build.MIN_COSINE): no
        # re-embedding across that switch. int8 queries on a torch index lose MRR (README).
        if self.precision == "fp32":
            return self.model_path
        return f"{self.model_path}|onnx-{self.precision}"

    def _load(self) -> OnnxSession:
        from vectorstore.onnx_build import OnnxBuildError, ensure_model

        try:
            folder = ensure_model(self.model_path, self.cache_dir, self.say, self.precision)
            return OnnxSession(folder)
        except OnnxBuildError as exc:
            raise EmbeddingModelError(str(exc)) from exc

    @property
    def dimension(self) -> int:
        return int(self.model.meta["dimension"])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, so a dot product is the cosine similarity."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.model.encode(list(texts), self.batch_size)


class OnnxSession:
    """Tokenizer plus onnxruntime session for a folder written by `vectorstore.onnx_build`."""

    def __init__(self, folder: Path, meta: dict[str, Any] | None = None) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EmbeddingModelError(
                f"ATP_EMBED_BACKEND=onnx needs onnxruntime ({exc.name} is missing): "
                "`pip install onnxruntime`, or set ATP_EMBED_BACKEND=torch"
            ) from exc
        from vectorstore.onnx_build import META_FILE, MODEL_FILE, TOKENIZER_FILE

        self.meta = meta or json.loads((folder / META_FILE).read_text())
        self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        # The saved tokenizer may carry its own fixed padding and a shorter truncation;
        # sentence-transformers pads each batch to its longest text and cuts at max_seq_length.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(int(self.meta["max_seq_length"]))
        options = ort.SessionOptions()
        # Busy-waiting worker threads would take a shared CPU from concurrent questions.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(
            str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        self.inputs = list(self.meta["inputs"])

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        # Longest first, as sentence-transformers does, so each batch pads little.
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        out = np.empty((len(texts), int(self.meta["dimension"])), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            feed = {name: np.zeros((len(rows), width), dtype=np.int64) for name in self.inputs}
            for r, i in enumerate(rows):
                enc = encodings[i]
                n = len(enc.ids)
                feed["input_ids"][r, :n] = enc.ids
                feed["attention_mask"][r, :n] = enc.attention_mask
                if "token_type_ids" in feed:
                    feed["token_type_ids"][r, :n] = enc.type_ids
            out[rows] = self.session.run(None, feed)[0]
        return out


EMBEDDERS: dict[str, Callable[..., Embedder]] = {
    "torch": lambda path, batch, cache_dir: Embedder(path, batch),
    **{
        name: lambda path, batch, cache_dir, precision=precision: OnnxEmbedder(
            path, batch, cache_dir, precision=precision
        )
        for name, precision in PRECISION.items()
    },
}


def get_embedder(
    backend: str, model_path: str, batch_size: int = 64, cache_dir: Path | None = None
) -> Embedder:
    try:
        factory = EMBEDDERS[backend]
    except KeyError:
        raise EmbeddingModelError(
            f"unknown embedding backend {backend!r}: expected one of {', '.join(EMBEDDERS)}"
        ) from None
    return factory(model_path, batch_size, cache_dir)
