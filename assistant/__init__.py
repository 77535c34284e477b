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
__all__ = [
    "WORD",
    "Answer",
    "Assistant",
    "AssistantSettings",
    "Backend",
    "BackendError",
    "Filters",
    "Reader",
    "ReaderError",
    "Retriever",
    "Source",
    "Turn",
    "clean_question",
    "get_backend",
    "get_reader",
    "tokens",
]

if TYPE_CHECKING:
    from assistant.answer import Answer, Source
    from assistant.backends import Backend, BackendError, get_backend
    from assistant.chat import Assistant, clean_question
    from assistant.prompt import Turn
    from assistant.reading import Reader, ReaderError, get_reader
    from assistant.retrieval import Filters, Retriever
    from assistant.settings import AssistantSettings
    from assistant.text import WORD, tokens


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
