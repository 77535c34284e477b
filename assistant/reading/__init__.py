"""Readers: score how well each sentence answers a question, chosen by name from a table.

`ATP_READER` names one: `none`, a shipped reader (READERS), or any sentence-transformers
`CrossEncoder` (a local folder or, with a network, a hub model name such as a reranker).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from assistant.reading.errors import ReaderError


class Reader(Protocol):
    name: str

    def score(self, question: str, sentences: Sequence[str]) -> list[float]:
        """One score in [0, 1] per sentence: how likely it states the answer to the question."""
        ...


def _shipped(folder: str) -> Callable[[], Reader]:
    def create() -> Reader:
        from assistant.reading.onnx import OnnxReader, packaged

        return OnnxReader(packaged(folder), name=folder)

    return create


NONE = "none"
SHIPPED = "atp-minilm"  # cross-encoder trained here from the bundled all-MiniLM-L6-v2, int8
READERS: dict[str, Callable[[], Reader]] = {SHIPPED: _shipped(SHIPPED)}


def get_reader(name: str) -> Reader | None:
    """The reader called `name`; None for `none`. Any other name is loaded as a CrossEncoder
    (a folder, or a hub model when a network is there), so a stronger reranker plugs in."""
    name = name.strip()
    if not name or name == NONE:
        return None
    if name in READERS:
        return READERS[name]()
    from assistant.reading.cross_encoder import CrossEncoderReader

    return CrossEncoderReader(name)


__all__ = ["NONE", "READERS", "SHIPPED", "Reader", "ReaderError", "get_reader"]
