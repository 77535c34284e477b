"""Resolve follow-up questions before retrieval. A question that leans on the conversation
("it", "that handbook", "and when was it revised?") is searched together with the previous
question it leans on; with an LLM backend it is first rewritten to stand on its own."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.backends import BackendError
from assistant.prompt import Turn, template
from assistant.text import tokens

if TYPE_CHECKING:
    from assistant.backends import Backend
    from assistant.retrieval.keyword import KeywordIndex

MAX_REWRITE_CHARS = 300


def respelt(index: KeywordIndex, question: str, history: Sequence[Turn]) -> tuple[str, list[Turn]]:
    """The question and the conversation's earlier questions with misspelt words read as the
    indexed words meant (KeywordIndex.respelt): how every stage, and every fit, reads them, so
    a follow-up finds what the question before it asked."""
    turns = [Turn(t.role, index.respelt(t.content)) if t.role == "user" else t for t in history]
    return index.respelt(question), turns


# "there" points back except where it only says something exists ("were there", "there are").
_ANAPHORA = re.compile(
    r"\b(it|its|it's|this|that|these|those|they|them|their|theirs|he|she|his|her|such|"
    r"(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )(?<!\bbe )there(?! (?:is|are|was|were|been|be)\b)|"
    r"the (?:same|former|latter|report|handbook|study|document|guidelines?|manual|publication|"
    r"paper|article|toolkit|evaluation|chapter|committee|rapporteur|court|case|programme))\b",
    re.I,
)
_ONES = re.compile(r"\b(?:the ones|\w+ one)\b(?! of)", re.I)  # "the youngest one", not "one of"
_FILLER = r"(?:(?:ok|okay|right|thanks|thank you|great|sure|yes|no|hmm)\b[,.!]?\s*)*"
_CONTINUATION = re.compile(
    rf"^\s*{_FILLER}(and|also|but|so|what about|how about|then|what else|why)\b", re.I
)
# "any figures for Mali?": as short as that (content words), a question in a
# conversation leans on it, and asks what the question it follows asked.
SHORT = 3


def continues(question: str) -> bool:
    """Opens as a continuation of the question before ("and ...", "what about ...")."""
    return bool(_CONTINUATION.search(question))


def points_back(question: str) -> bool:
    """Says it leans on the conversation: a word pointing back ("it", "that report", "the
    youngest one") or a continuation ("and ...")."""
    return bool(_ANAPHORA.search(question) or _ONES.search(question) or continues(question))


def is_followup(question: str) -> bool:
    """May lean on the conversation: points back, or is too short to be sure it does not."""
    return points_back(question) or len(tokens(question)) <= SHORT


def earlier_question(question: str, history: Sequence[Turn]) -> str:
    """The previous question a follow-up leans on, or "" when it stands on its own."""
    previous = [t.content for t in history if t.role == "user" and t.content.strip()]
    if not previous or not is_followup(question):
        return ""
    return previous[-1].strip()[:500]


def with_earlier(question: str, earlier: str) -> str:
    """The question as searched and shown: the follow-up, then the question it leans on."""
    return f"{question} ({earlier})" if earlier else question


@dataclass(frozen=True)
class RewritePrompt:
    """What an LLM backend is asked to turn a follow-up into a question that stands alone."""

    question: str
    earlier: str

    def messages(self) -> list[dict[str, str]]:
        content = template("rewrite.txt").format(earlier=self.earlier, question=self.question)
        return [{"role": "user", "content": content}]


def rewritten(backend: Backend, question: str, earlier: str) -> str:
    """The follow-up as the backend's LLM rewrites it, or the question unchanged when the backend
    has no LLM, fails, or replies with something that is not a rewrite of it.

    A small model may answer instead (SmolLM2 does), invent a year, or repeat the earlier
    question: a rewrite must be one short line ending in "?", keep at least one of the
    follow-up's own words (or, when it has none, one of the earlier question's) and hold no
    number that neither question holds."""
    if not earlier or not getattr(backend, "rewrites", False):
        return question
    try:
        reply = "".join(backend.generate(RewritePrompt(question, earlier)))  # type: ignore[arg-type]
    except BackendError:
        return question  # the answer that follows reports the failure in words
    lines = [line.strip().strip("\"'").strip() for line in reply.strip().splitlines()]
    line = next((x for x in lines if x), "")
    own = set(tokens(question)) or set(tokens(earlier))
    words = set(tokens(line))
    numbers = {w for w in words if w.isdigit()} - set(tokens(f"{question} {earlier}"))
    if not (3 <= len(line) <= MAX_REWRITE_CHARS and line.endswith("?")) or numbers:
        return question
    return line if own & words else question
