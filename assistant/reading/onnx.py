"""A cross-encoder exported to ONNX (int8), run with onnxruntime and the `tokenizers` library:
no torch import, so scoring a question's candidate sentences costs milliseconds, not a model
load."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np

from assistant.reading.errors import ReaderError

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "reader.json"  # {"max_length": ...}: what the model was trained with
BATCH = 32


def packaged(folder: str) -> Path:
    """The folder of a reader shipped as package data."""
    return Path(str(resources.files("assistant.reading") / "models" / folder))


class OnnxReader:
    def __init__(self, folder: Path, name: str | None = None, threads: int = 1) -> None:
        self.folder = Path(folder)
        self.name = name or self.folder.name
        missing = [f for f in (MODEL_FILE, TOKENIZER_FILE) if not (self.folder / f).is_file()]
        if missing:
            raise ReaderError(
                f"reader {self.name!r}: {', '.join(missing)} missing from {self.folder}; "
                "set ATP_READER to none or another reader"
            )
        config = self.folder / CONFIG_FILE
        self.max_length = json.loads(config.read_text())["max_length"] if config.is_file() else 256
        self.threads = threads
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def _load(self):
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        # One thread per call: the app answers several users at once on a couple of cores.
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(
            str(self.folder / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        tokenizer = Tokenizer.from_file(str(self.folder / TOKENIZER_FILE))
        tokenizer.enable_truncation(self.max_length, strategy="longest_first")
        tokenizer.enable_padding()
        return session, tokenizer

    def score(self, question: str, sentences: Sequence[str]) -> list[float]:
        if not sentences:
            return []
        with self._lock:
            if self._session is None:
                self._session, self._tokenizer = self._load()
        session, tokenizer = self._session, self._tokenizer
        wanted = {i.name for i in session.get_inputs()}
        logits = []
        for start in range(0, len(sentences), BATCH):
            batch = tokenizer.encode_batch(
                [(question, s) for s in sentences[start : start + BATCH]]
            )
            feed = {
                "input_ids": np.array([e.ids for e in batch], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in batch], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in batch], dtype=np.int64),
            }
            out = session.run(None, {k: v for k, v in feed.items() if k in wanted})[0]
            logits.append(np.asarray(out, dtype=np.float64).reshape(len(batch), -1)[:, 0])
        return (1 / (1 + np.exp(-np.concatenate(logits)))).tolist()
