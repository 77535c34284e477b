"""Any sentence-transformers CrossEncoder as a reader: a local folder, or a hub model name
(a reranker such as cross-encoder/ms-marco-MiniLM-L6-v2) for a user with a network."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from assistant.reading.errors import ReaderError


class CrossEncoderReader:
    def __init__(self, name_or_path: str, max_length: int | None = None) -> None:
        self.name = name_or_path
        self.max_length = max_length
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = self._load()
        return self._model

    def _load(self):
        from sentence_transformers import CrossEncoder

        try:
            return CrossEncoder(self.name, device="cpu", max_length=self.max_length)
        except Exception as exc:  # no such folder, no network for a hub name, not a CrossEncoder
            from assistant.reading import READERS

            raise ReaderError(
                f"cannot load reader {self.name!r} as a CrossEncoder ({exc}); set ATP_READER to "
                f"none, {', '.join(READERS)}, a CrossEncoder folder, or a hub model name when "
                "a network is available"
            ) from exc

    def score(self, question: str, sentences: Sequence[str]) -> list[float]:
        if not sentences:
            return []
        logits = self.model.predict(
            [(question, s) for s in sentences],
            activation_fn=_identity,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        logits = np.asarray(logits, dtype=np.float64)
        if logits.ndim > 1:  # an NLI-style head: the first column is not a relevance score
            raise ReaderError(
                f"reader {self.name!r} gives {logits.shape[1]} scores per pair; a reader needs "
                "a one-score (reranker) CrossEncoder"
            )
        return (1 / (1 + np.exp(-logits))).tolist()


def _identity(x):
    return x
