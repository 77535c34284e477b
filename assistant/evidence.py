"""Which sentences of a passage answer the question, and how strong the evidence is overall."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.keyword import KeywordIndex
from assistant.prompt import Sentence
from assistant.text import sentence_spans

MIN_CHARS, MAX_CHARS = 25, 600


def rank_sentences(text: str, query_tokens: Sequence[str], index: KeywordIndex) -> list[Sentence]:
    """Sentences of `text` by idf-weighted overlap with the question, best first.

    Fragments (headers, table cells) and run-ons are pushed down, not dropped: a milestone
    record may be one short sentence and still be the answer.
    """
    ranked = []
    for position, (start, end) in enumerate(sentence_spans(text)):
        sentence = text[start:end]
        score = index.coverage(query_tokens, sentence)
        if not MIN_CHARS <= len(sentence) <= MAX_CHARS:
            score *= 0.5
        letters = sum(ch.isalpha() for ch in sentence)
        if letters < 0.5 * len(sentence):  # mostly figures or table debris
            score *= 0.5
        ranked.append((score, -position, Sentence(sentence, round(score, 4))))
    ranked.sort(key=lambda r: (r[0], r[1]), reverse=True)
    return [r[2] for r in ranked]


OFF_TOPIC = 0.35  # below this cosine the nearest passage is about something else entirely


def strength(dense: float, coverage: float) -> float:
    """How well a passage answers the question: the share of the question's weight it contains,
    or nothing when it is semantically off-topic. Calibrated on eval/ (see the README)."""
    return coverage if dense >= OFF_TOPIC else 0.0
