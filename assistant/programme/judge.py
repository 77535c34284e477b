"""Whether the matched records answer the question: boosted trees over a few features,
fitted by `python -m assistant.programme.fit` and shipped in judge.json (a logistic model's
weights load too: `SCORERS`).

One feature is itself fitted: `asks`, a logistic model that tells a question the records
answer from one they do not (a budget, the staff, who wrote a report, its findings), which the
records' words alone cannot: everyday wording shares few of them. Another, `topic`, tells a
question about the programme from one about anything else: such a question is not answered
from a document that is not the programme's (Programme.off_source). Both read the question's
embedding and its words and word pairs (tf-idf, as scikit-learn's TfidfVectorizer with
sublinear tf computes them): the embedding alone blurs the words that decide them ("the
programme" into any programme, "who wrote it" into "who is it for")."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np

from assistant.judging.trees import Trees
from assistant.programme.matching import Match, Query
from assistant.programme.records import Records

TOKEN = re.compile(r"(?u)\b\w\w+\b")  # TfidfVectorizer's default token_pattern
FEATURES = ("coverage", "unknown", "words", "followup", "dense", "asks", "listing")


def features(
    query: Query,
    found: Match,
    records: Records,
    followup: bool,
    near: dict[str, float],
    asks: float,
) -> dict[str, float]:
    """What the judge weighs: how much of the question the answering records hold, how
    heavy the words are that no record holds, how near the nearest answering record's
    embedding is to the question's, and how much the question reads like one the records
    answer (`Judge.asks`)."""
    words = query.words
    total = sum(records.idf(w) for w in words) or 1.0
    return {
        "coverage": found.coverage,
        "unknown": sum(records.idf(w) for w in words if w not in records.known) / total,
        "words": math.log1p(len(words)),
        "followup": float(followup),
        "dense": max((near.get(r.id, 0.0) for r in found.records), default=0.0),
        "asks": asks,
        "listing": float(found.extra.get("listing", False)),  # the period's records, words aside
    }


def asks_text(question: str, earlier: str = "") -> str:
    """The text `Judge.asks` reads: a follow-up together with the question it leans on."""
    return f"{question} {earlier}" if earlier else question


@dataclass(frozen=True)
class Linear:
    """A logistic regression's weights: log-odds = bias + the weighted sum of the features."""

    weights: dict[str, float]
    bias: float = 0.0

    @property
    def reads(self) -> frozenset[str]:
        return frozenset(self.weights)

    def log_odds(self, values: dict[str, float]) -> float:
        return self.bias + sum(w * values.get(k, 0.0) for k, w in self.weights.items())

    @classmethod
    def load(cls, data: dict) -> Linear:
        return cls(data["weights"], data["bias"])


SCORERS = {"logistic": Linear.load, "boosted": Trees.load}  # judge.json's "kind"


@dataclass(frozen=True)
class Judge:
    scorer: Linear | Trees
    threshold: float = 0.5
    asks_weights: np.ndarray = field(default_factory=lambda: np.zeros(0))
    asks_bias: float = 0.0
    asks_terms: dict[str, tuple[float, float]] = field(default_factory=dict)  # idf, weight
    topic_weights: np.ndarray = field(default_factory=lambda: np.zeros(0))
    topic_bias: float = 0.0
    topic_cut: float = math.inf  # log-odds above which a question is about the programme
    topic_terms: dict[str, tuple[float, float]] = field(default_factory=dict)  # idf, weight

    def asks(self, vector: np.ndarray, text: str) -> float:
        """The log-odds that the records answer a question with this embedding and text (0
        without a fitted model, or for an embedding of another size than it was fitted on)."""
        if len(self.asks_weights) != len(vector):
            return 0.0  # unfitted: its words alone say nothing either
        embedded = _logit(self.asks_weights, self.asks_bias, vector, 0.0)
        return embedded + terms_logit(self.asks_terms, text)

    def on_programme(self, vector: np.ndarray, text: str) -> bool:
        """Whether a question with this embedding and text is about the programme (never,
        without a fitted model or for an embedding of another size than it was fitted on)."""
        embedded = _logit(self.topic_weights, self.topic_bias, vector, -math.inf)
        return embedded + terms_logit(self.topic_terms, text) > self.topic_cut

    def probability(self, values: dict[str, float]) -> float:
        return 1 / (1 + math.exp(-self.scorer.log_odds(values)))

    def answers(self, values: dict[str, float]) -> bool:
        return self.probability(values) >= self.threshold


def terms_logit(terms: dict[str, tuple[float, float]], text: str) -> float:
    """The words' and word pairs' share of a text model's log-odds: their l2-normalised
    sublinear tf-idf weights times the fitted weights."""
    found = Counter(t for n in (1, 2) for t in ngrams(text, n) if t in terms)
    values = {t: (1 + math.log(c)) * terms[t][0] for t, c in found.items()}
    norm = math.sqrt(sum(v * v for v in values.values()))
    return sum(v / norm * terms[t][1] for t, v in values.items()) if norm else 0.0


def ngrams(text: str, n: int) -> list[str]:
    """The text's n-grams as TfidfVectorizer(lowercase=True) forms them."""
    words = TOKEN.findall(text.lower())
    return [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]


def _logit(weights: np.ndarray, bias: float, vector: np.ndarray, unfitted: float) -> float:
    if len(weights) != len(vector):
        return unfitted
    return float(np.dot(weights, vector) + bias)


@cache
def load() -> Judge:
    raw = resources.files("assistant.programme").joinpath("judge.json").read_text("utf-8")
    data = json.loads(raw)
    asks, topic = data.get("asks", {}), data.get("topic", {})
    return Judge(
        SCORERS[data.get("kind", "logistic")](data),
        data.get("threshold", 0.5),
        np.asarray(asks.get("weights", []), dtype=np.float64),
        float(asks.get("bias", 0.0)),
        _terms(asks),
        np.asarray(topic.get("weights", []), dtype=np.float64),
        float(topic.get("bias", 0.0)),
        float(topic.get("cut", math.inf)),
        _terms(topic),
    )


def _terms(model: dict) -> dict[str, tuple[float, float]]:
    return {t: (float(idf), float(w)) for t, (idf, w) in model.get("terms", {}).items()}
