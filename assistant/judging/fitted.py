"""The fitted judge, shipped as weights.json by `python -m assistant.eval fit`: gradient-boosted
trees beside logistic terms for the checks (kind "hybrid", the default), a logistic regression
("logistic") or trees alone ("boosted") over the features, with the threshold set for a target
false-refusal rate. One formula reads all three: trees_weight x the trees' log-odds, plus the
intercept, plus a term per feature."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from assistant.judging import Verdict
from assistant.judging.features import reason
from assistant.judging.trees import Trees

WEIGHTS = "weights.json"
REASONS = 2  # the strongest contributions named in a verdict
# A refusal always says why in words: this, when no feature that pushed it argues for it in
# its own words (trees can refuse for a mix of middling values, each unremarkable alone).
FALLS_SHORT = "the passages touch on the question, but none answers it clearly enough to quote"


class FittedJudge:
    name = "fitted"

    def __init__(self, weights: Mapping, threshold: float | None = None) -> None:
        self.features: list[str] = list(weights["features"])
        self.mean = list(weights["mean"])
        self.trees = Trees.load(weights) if "trees" in weights else None
        self.trees_weight = float(weights.get("trees_weight", 1.0))
        self.scale = list(weights.get("scale", [1.0] * len(self.features)))
        self.coef = list(weights.get("coef", [0.0] * len(self.features)))
        self.intercept = float(weights.get("intercept", 0.0))
        # The training range: a value beyond it (a 100 KB question's BM25) is read as its edge,
        # since a linear model extrapolates without bound.
        self.low = list(weights.get("low", [-math.inf] * len(self.features)))
        self.high = list(weights.get("high", [math.inf] * len(self.features)))
        self.threshold = float(weights["threshold"] if threshold is None else threshold)

    @classmethod
    def load(cls, path: Path | None = None, threshold: float | None = None) -> FittedJudge:
        source = resources.files("assistant.judging").joinpath(WEIGHTS) if path is None else path
        if not source.is_file():
            raise FileNotFoundError(
                f"no fitted judge weights at {source}: run `python -m assistant.eval fit "
                "--data-dir DIR`, or set ATP_JUDGE=rules"
            )
        return cls(json.loads(source.read_text(encoding="utf-8")), threshold)

    def _terms(self, values: Mapping[str, float]) -> list[tuple[float, str]]:
        return [
            (c * (values[f] - m) / s, f)
            for f, m, s, c in zip(self.features, self.mean, self.scale, self.coef, strict=True)
            if c
        ]

    def _log_odds(self, values: Mapping[str, float]) -> float:
        trees = self.trees_weight * self.trees.log_odds(values) if self.trees else 0.0
        return trees + self.intercept + sum(t for t, _ in self._terms(values))

    def _contributions(self, values: dict[str, float], z: float) -> list[tuple[float, str]]:
        """How far each feature moved the log-odds from what its training mean would give: its
        term where it has one, else what putting its mean back changes in the trees."""
        parts = self._terms(values)
        if self.trees is not None:
            reads = self.trees.reads
            parts += [
                (z - self._log_odds({**values, f: m}), f)
                for f, m in zip(self.features, self.mean, strict=True)
                if f in reads and values[f] != m
            ]
        return parts

    def judge(self, features: Mapping[str, float]) -> Verdict:
        # A feature missing here (no reader set) takes its training mean: it adds nothing.
        values = {
            f: min(max(features.get(f, m), lo), hi)
            for f, m, lo, hi in zip(self.features, self.mean, self.low, self.high, strict=True)
        }
        z = self._log_odds(values)
        score = 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
        answers = score >= self.threshold
        parts = self._contributions(values, z)
        pushed = sorted((p for p in parts if p[0] and (p[0] > 0) == answers), reverse=answers)
        mean = dict(zip(self.features, self.mean, strict=True))
        named = (
            reason(f, features.get(f, mean[f]) > mean[f], answers, features) for _, f in pushed
        )
        reasons = tuple(r for r in named if r)[:REASONS]
        if not reasons and not answers:
            reasons = (FALLS_SHORT,)
        return Verdict(round(score, 4), answers, reasons)
