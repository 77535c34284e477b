"""Answer questions from the index with page-accurate citations.

A question flows through the stages in their packages: `retrieval` (search and the evidence
the passages hold), `judging` (answer or refuse, with reasons), `answering` (the sentences
that state it, checked against their pages), `conversation` (follow-ups), with `programme`
answering from the timeline's and catalogue's records first; `chat.Assistant` runs them.
The names below are the surface the UI imports; they load on first use, so that importing
one stage does not load every other.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Answer": "assistant.answer",
    "Assistant": "assistant.chat",
    "AssistantSettings": "assistant.settings",
    "Backend": "assistant.backends",
    "BackendError": "assistant.backends",
    "Filters": "assistant.retrieval",
    "Reader": "assistant.reading",
    "ReaderError": "assistant.reading",
    "Retriever": "assistant.retrieval",
    "Source": "assistant.answer",
    "Turn": "assistant.prompt",
    "WORD": "assistant.text",
    "clean_question": "assistant.chat",
    "get_backend": "assistant.backends",
    "get_reader": "assistant.reading",
    "tokens": "assistant.text",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # the same names for type checkers, re-exported as `X as X`
    from assistant.answer import Answer as Answer
    from assistant.answer import Source as Source
    from assistant.backends import Backend as Backend
    from assistant.backends import BackendError as BackendError
    from assistant.backends import get_backend as get_backend
    from assistant.chat import Assistant as Assistant
    from assistant.chat import clean_question as clean_question
    from assistant.prompt import Turn as Turn
    from assistant.reading import Reader as Reader
    from assistant.reading import ReaderError as ReaderError
    from assistant.reading import get_reader as get_reader
    from assistant.retrieval import Filters as Filters
    from assistant.retrieval import Retriever as Retriever
    from assistant.settings import AssistantSettings as AssistantSettings
    from assistant.text import WORD as WORD
    from assistant.text import tokens as tokens


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
