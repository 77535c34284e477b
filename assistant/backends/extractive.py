"""The offline default: an answer made of the retrieved sentences that best answer the question.

Every sentence is a verbatim quote followed by its marker, so it is supported by construction;
deterministic, and fast because retrieval already ranked the sentences.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from assistant.prompt import Prompt
from assistant.text import tokens
from vectorstore.records import MILESTONE

if TYPE_CHECKING:
    from assistant.settings import AssistantSettings

MAX_SENTENCES = 3
PER_PASSAGE = 2
PER_RECORD = 1  # a milestone is one dated statement; its list of related titles is no second fact
RANK_DECAY = 0.85  # a sentence of the 2nd passage needs a better match to beat the 1st's


class ExtractiveBackend:
    name = "extractive"
    rewrites = False  # no model to rewrite with: follow-ups are searched with the turn before

    def generate(self, prompt: Prompt) -> Iterator[str]:
        chosen: list[tuple[int, str]] = []
        seen: list[set[str]] = []
        per_passage: dict[int, int] = {}
        limits = {p.n: PER_RECORD if p.kind == MILESTONE else PER_PASSAGE for p in prompt.passages}
        for _, n, sentence in sorted(self._candidates(prompt), key=lambda c: -c[0]):
            words = set(tokens(sentence))
            if per_passage.get(n, 0) >= limits[n] or any(_similar(words, w) for w in seen):
                continue
            chosen.append((n, sentence))
            seen.append(words)
            per_passage[n] = per_passage.get(n, 0) + 1
            if len(chosen) == MAX_SENTENCES:
                break
        for i, (n, sentence) in enumerate(chosen):
            yield ("" if i == 0 else " ") + f"{sentence} [{n}]"

    @staticmethod
    def _candidates(prompt: Prompt) -> Iterator[tuple[float, int, str]]:
        for rank, passage in enumerate(prompt.passages):
            weight = RANK_DECAY**rank
            for sentence in passage.sentences:
                if sentence.score > 0 or (rank == 0 and sentence is passage.sentences[0]):
                    yield sentence.score * weight + 1e-6 * weight, passage.n, sentence.text


def _similar(a: set[str], b: set[str]) -> bool:
    return bool(a and b) and len(a & b) / len(a | b) > 0.6


def create(settings: AssistantSettings) -> ExtractiveBackend:
    return ExtractiveBackend()
