"""Which passage sentence states the asked fact: a logistic regression over a sentence's
features, fitted on the training sets by `python -m assistant.eval fit-sentences` (label: the
sentence holds a key fact) and shipped as ranking.json. Word overlap alone put the sentence that
matches the question's words first, not the one that answers it (eval/decisions.md)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from assistant.answering.junk import is_junk
from assistant.answering.mend import cut_heading, without_furniture
from assistant.judging.asked import asked_kind, gives
from assistant.prompt import Passage, Prompt
from assistant.text import sentence_spans, tokens
from vectorstore.records import MILESTONE, RELATED_LABEL

WEIGHTS = "ranking.json"
FEATURES = (
    "score",  # the sentence's idf-weighted share of the question's words
    "relative",  # that share against the best sentence of any passage
    "passage_rank",
    "passage_score",  # the passage's fused retrieval score against the best passage's
    "rank_in_passage",
    "position",  # where in its passage it stands, 0 to 1
    "opens",  # the passage's first sentence
    "gives",  # holds the kind of answer asked for (a count, a date, a name...)
    "after_best",  # the sentence after the passage's best match: answers often follow
    "before_best",
    "is_best",
    "length",  # log of its words
    "figure",  # holds a digit
    "question_share",  # share of the question's distinct words it holds
    "heading",  # a heading was run into it
)


@dataclass(frozen=True)
class Candidate:
    n: int  # the passage's marker
    text: str  # without a heading run into its start: still a substring of the page
    features: dict[str, float]


def sentence_candidates(prompt: Prompt, asked: str) -> list[Candidate]:
    """Every sentence of the passages worth reading (no junk), with its features."""
    kind = asked_kind(asked)
    question = set(tokens(asked))
    scores = [s.score for p in prompt.passages for s in p.sentences]
    best = max(scores, default=0.0) or 1e-6
    top_passage = max((p.score for p in prompt.passages), default=0.0) or 1e-6
    out = []
    for rank, passage in enumerate(prompt.passages):
        out += _of_passage(passage, rank, kind, asked, question, best, top_passage)
    return out


def _of_passage(
    passage: Passage,
    rank: int,
    kind: str | None,
    asked: str,
    question: set[str],
    best: float,
    top_passage: float,
) -> list[Candidate]:
    spans = list(sentence_spans(passage.text))
    order = {passage.text[s:e]: k for k, (s, e) in enumerate(spans)}
    starts = {passage.text[s:e]: s for s, e in spans}
    count = max(len(order), 1)
    # a milestone's list of related titles is no statement of its own, however it splits
    related = passage.text.find(RELATED_LABEL) if passage.kind == MILESTONE else -1
    top = order.get(passage.sentences[0].text, -9) if passage.sentences else -9
    out = []
    for k, sentence in enumerate(passage.sentences):
        plain = without_furniture(sentence.text)
        text = cut_heading(plain)
        if sentence.score <= 0 and (rank, k) != (0, 0):
            continue  # no word of the question: 1 % hold a key fact, against 7 % of the rest
        if is_junk(text, passage.title) or 0 <= related <= starts.get(sentence.text, -1):
            continue
        at = order.get(sentence.text, 0)
        words = set(tokens(text))
        features = {
            "score": sentence.score,
            "relative": sentence.score / best,
            "passage_rank": float(rank),
            "passage_score": passage.score / top_passage,
            "rank_in_passage": float(k),
            "position": at / count,
            "opens": float(at == 0),
            "gives": float(kind is not None and gives(kind, asked, text)),
            "after_best": float(at == top + 1),
            "before_best": float(at == top - 1),
            "is_best": float(at == top),
            "length": math.log1p(len(text.split())),
            "figure": float(any(ch.isdigit() for ch in text)),
            "question_share": len(words & question) / max(len(question), 1),
            "heading": float(text != plain),
        }
        out.append(Candidate(passage.n, text, features))
    return out


class SentenceRanker:
    """The probability that a sentence states the asked fact, from ranking.json."""

    def __init__(self, weights: Mapping) -> None:
        self.features: list[str] = list(weights["features"])
        self.mean = list(weights["mean"])
        self.scale = list(weights["scale"])
        self.coef = list(weights["coef"])
        self.intercept = float(weights["intercept"])

    @classmethod
    def load(cls, path: Path | None = None) -> SentenceRanker:
        source = resources.files("assistant.answering").joinpath(WEIGHTS) if path is None else path
        if not source.is_file():
            raise FileNotFoundError(
                f"no sentence ranker at {source}: run `python -m assistant.eval fit-sentences "
                "--data-dir DIR`"
            )
        return cls(json.loads(source.read_text(encoding="utf-8")))

    def score(self, features: Mapping[str, float]) -> float:
        z = self.intercept + sum(
            c * (features.get(f, m) - m) / s
            for f, m, s, c in zip(self.features, self.mean, self.scale, self.coef, strict=True)
        )
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def rank(self, candidates: Sequence[Candidate]) -> list[tuple[float, Candidate]]:
        return sorted(((self.score(c.features), c) for c in candidates), key=lambda s: -s[0])
