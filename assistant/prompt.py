"""What an answer is generated from: the question, the conversation and numbered passages.

Backends receive a Prompt and yield text. Passage text is data, never instructions: the
rendered prompt fences it and says so, and the answer is checked against it afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

Role = Literal["user", "assistant"]


@dataclass(frozen=True)
class Turn:
    role: Role
    content: str


@dataclass(frozen=True)
class Sentence:
    """A sentence of a passage, ranked by how well it answers the question."""

    text: str  # a substring of the passage text, so of its page
    score: float
    reader: float | None = None  # a reader's score that it answers, when a reader is set


@dataclass(frozen=True)
class Passage:
    """A retrieved source as the backend sees it; `n` is its citation marker [n]."""

    n: int
    kind: str  # "publication" or "milestone"
    title: str
    year: int | None
    page: int | None
    page_label: str | None
    text: str
    score: float
    sentences: tuple[Sentence, ...] = ()  # best first

    def heading(self) -> str:
        where = f", page {self.page_label or self.page}" if self.page else ""
        year = f" ({self.year})" if self.year else ""
        label = "Milestone" if self.kind == "milestone" else "Publication"
        return f"[{self.n}] {label}: {self.title}{year}{where}"


@dataclass(frozen=True)
class Prompt:
    question: str  # as the user asked it
    standalone: str  # with follow-up references resolved; what retrieval used
    passages: tuple[Passage, ...]
    history: tuple[Turn, ...] = field(default_factory=tuple)

    def messages(self) -> list[dict[str, str]]:
        """Chat messages for LLM backends: system rules, recent turns, then sources + question."""
        system = template("system.txt")
        sources = "\n\n".join(
            f"{p.heading()}\n<<<SOURCE {p.n}\n{_defuse(p.text)}\nSOURCE {p.n}>>>"
            for p in self.passages
        )
        user = template("answer.txt").format(sources=sources, question=self.standalone)
        turns = [{"role": t.role, "content": t.content[:2000]} for t in self.history[-4:]]
        return [{"role": "system", "content": system}, *turns, {"role": "user", "content": user}]


def _defuse(text: str) -> str:
    """A passage cannot close its own fence and pose as the assistant's rules."""
    return text.replace("<<<", "‹‹‹").replace(">>>", "›››")


def template(name: str) -> str:
    return resources.files("assistant").joinpath("prompts", name).read_text(encoding="utf-8")
