"""Sentence embeddings from a local model folder, loaded only when something needs encoding."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import numpy as np


class EmbeddingModelError(RuntimeError):
    """The model folder is missing or unreadable; says which setting to change."""


class Embedder:
    """Lazy sentence-transformers model: a no-op re-ingest never pays for loading it."""

    def __init__(self, model_path: str, batch_size: int = 64) -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return os.path.basename(os.path.normpath(self.model_path)) or self.model_path

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = self._load()
        return self._model

    def _load(self):
        if not self.model_path or not os.path.isdir(self.model_path):
            raise EmbeddingModelError(
                f"embedding model folder {self.model_path!r} not found: set ATP_EMBEDDING_MODEL to a "
                "sentence-transformers folder, or leave it empty for the bundled all-MiniLM-L6-v2"
            )
        # Never reach for a model hub: the folder is all there is.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
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
