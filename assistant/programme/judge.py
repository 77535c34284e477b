"""Whether the matched records answer the question: a logistic model over a few features,
its weights fitted by `python -m assistant.programme.fit` and shipped in judge.json."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

from assistant.programme.matching import Match, Query
from assistant.programme.records import Records

FEATURES = ("coverage", "unknown", "words", "who", "followup", "dense")


def features(
    query: Query, found: Match, records: Records, followup: bool, near: dict[str, float]
) -> dict[str, float]:
    """What the judge weighs: how much of the question the answering records hold, how
    heavy the words are that no record holds, and how near the nearest answering record's
    embedding is to the question's."""
    words = query.words
    total = sum(records.idf(w) for w in words) or 1.0
    known = {w for r in records.items for w in r.words}
    return {
        "coverage": found.coverage,
        "unknown": sum(records.idf(w) for w in words if w not in known) / total,
        "words": math.log1p(len(words)),
        "who": float("who" in query.intents and "audience" not in query.intents),
        "followup": float(followup),
        "dense": max((near.get(r.id, 0.0) for r in found.records), default=0.0),
    }


@dataclass(frozen=True)
class Judge:
    weights: dict[str, float]
    bias: float
    threshold: float = 0.5

    def probability(self, values: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in values.items())
        return 1 / (1 + math.exp(-z))

    def answers(self, values: dict[str, float]) -> bool:
        return self.probability(values) >= self.threshold


@cache
def load() -> Judge:
    raw = resources.files("assistant.programme").joinpath("judge.json").read_text("utf-8")
    data = json.loads(raw)
    return Judge(data["weights"], data["bias"], data.get("threshold", 0.5))
