"""Resolve follow-up questions before retrieval, without an LLM: a question that leans on the
conversation ("it", "that handbook", "and when was it revised?") is searched together with
the previous question it leans on."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.prompt import Turn
from assistant.text import tokens

_ANAPHORA = re.compile(
    r"\b(it|its|it's|this|that|these|those|they|them|their|theirs|he|she|his|her|there|such|"
    r"the (?:same|former|latter|report|handbook|study|document|guidelines?|manual|publication|"
    r"paper|article|toolkit|evaluation|chapter|committee|rapporteur|court|case|programme))\b",
    re.I,
)
_CONTINUATION = re.compile(r"^\s*(and|also|but|so|what about|how about|then|what else|why)\b", re.I)


def is_followup(question: str) -> bool:
    return bool(
        _ANAPHORA.search(question) or _CONTINUATION.search(question) or len(tokens(question)) <= 2
    )


def earlier_question(question: str, history: Sequence[Turn]) -> str:
    """The previous question a follow-up leans on, or "" when it stands on its own."""
    previous = [t.content for t in history if t.role == "user" and t.content.strip()]
    if not previous or not is_followup(question):
        return ""
    return previous[-1].strip()[:500]


def with_earlier(question: str, earlier: str) -> str:
    return f"{question} ({earlier})" if earlier else question


def standalone_question(question: str, history: Sequence[Turn]) -> str:
    """The question to retrieve with; unchanged unless it is a follow-up with a previous turn."""
    return with_earlier(question, earlier_question(question, history))
