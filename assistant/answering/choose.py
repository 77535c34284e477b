"""Which passage sentences make the answer: first the one stating what was asked, then at most
two that add to it, never a piece of page furniture."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from assistant.answering.ranking import SentenceRanker, sentence_candidates
from assistant.conversation.followup import SHORT
from assistant.judging.asked import asked_kind, gives
from assistant.prompt import Prompt
from assistant.retrieval.evidence import question_parts
from assistant.text import tokens
from vectorstore.records import MILESTONE

MAX_SENTENCES = 3
PER_PASSAGE = 2
PER_RECORD = 1  # a milestone is one dated statement; its list of related titles is no second fact
# A sentence giving the asked kind of answer leads if it scores this share of the best.
LEAD_SHARE = 0.5
# A further sentence must score this share of the best: the highest share that lost no key fact
# on the training sets (eval/decisions.md, ninth stop).
RELATIVE = 0.15


@dataclass(frozen=True)
class Choice:
    n: int  # the passage's marker
    text: str
    score: float
    words: frozenset[str]


def candidates(prompt: Prompt, asked: str | None = None) -> list[Choice]:
    """Every sentence worth considering (no junk), best first by the fitted ranker."""
    ranked = _ranker().rank(sentence_candidates(prompt, asked or prompt.question))
    return [Choice(c.n, c.text, score, frozenset(tokens(c.text))) for score, c in ranked]


@functools.lru_cache(maxsize=1)
def _ranker() -> SentenceRanker:
    return SentenceRanker.load()


def asked_of(prompt: Prompt) -> str:
    """What the question asks: its own words, or, this short, the question it follows."""
    return prompt.question if len(tokens(prompt.question)) > SHORT else prompt.standalone


def choose(prompt: Prompt) -> list[Choice]:
    """The answer's sentences in reading order of importance."""
    asked_text = asked_of(prompt)
    pool = candidates(prompt, asked_text)
    if not pool:
        return []
    kind = asked_kind(asked_text)
    best = pool[0].score
    limits = {p.n: PER_RECORD if p.kind == MILESTONE else PER_PASSAGE for p in prompt.passages}
    chosen: list[Choice] = []

    def take(c: Choice) -> bool:
        taken = sum(x.n == c.n for x in chosen)
        if (
            c in chosen
            or taken >= limits[c.n]
            or any(near_duplicate(c.words, x.words) for x in chosen)
        ):
            return False
        chosen.append(c)
        return True

    lead = next(
        (c for c in pool if c.score >= LEAD_SHARE * best and gives(kind, asked_text, c.text)),
        pool[0],
    )
    take(lead)
    for part in question_parts(prompt.question):  # one sentence per part of a compound question
        words = set(tokens(part))
        part_kind = asked_kind(part)
        scored = [
            (len(words & c.words) / max(len(words), 1) * c.score, c)
            for c in pool
            if gives(part_kind, part, c.text)
        ]
        top = max(scored, key=lambda s: s[0], default=None)
        if top and top[0] > 0 and not any(words & x.words == words & top[1].words for x in chosen):
            take(top[1])
    for c in pool:
        if len(chosen) >= MAX_SENTENCES or c.score < RELATIVE * best:
            break
        take(c)
    return chosen[:MAX_SENTENCES]


def near_duplicate(a: frozenset[str], b: frozenset[str]) -> bool:
    """Most of their words shared: the second would only repeat the first."""
    return bool(a and b) and len(a & b) / len(a | b) > 0.6
