"""A logistic regression over the features, fitted by `python -m assistant.eval fit` and
shipped as weights.json; its threshold was set for a target false-refusal rate."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from assistant.judging import Verdict
from assistant.judging.features import reason

WEIGHTS = "weights.json"
REASONS = 2  # the strongest contributions named in a verdict


class FittedJudge:
    name = "fitted"

    def __init__(self, weights: Mapping, threshold: float | None = None) -> None:
        self.features: list[str] = list(weights["features"])
        self.mean = list(weights["mean"])
        self.scale = list(weights["scale"])
        self.coef = list(weights["coef"])
        self.intercept = float(weights["intercept"])
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

    def judge(self, features: Mapping[str, float]) -> Verdict:
        # A feature missing here (no reader set) takes its training mean: it adds nothing.
        values = [
            min(max(features.get(f, m), lo), hi)
            for f, m, lo, hi in zip(self.features, self.mean, self.low, self.high, strict=True)
        ]
        parts = [
            (c * (v - m) / s, f)
            for f, v, m, s, c in zip(
                self.features, values, self.mean, self.scale, self.coef, strict=True
            )
        ]
        z = self.intercept + sum(p for p, _ in parts)
        score = 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
        answers = score >= self.threshold
        pushed = sorted((p for p in parts if p[0] and (p[0] > 0) == answers), reverse=answers)
        mean = dict(zip(self.features, self.mean, strict=True))
        named = (
            reason(f, features.get(f, mean[f]) > mean[f], answers, features) for _, f in pushed
        )
        reasons = tuple(r for r in named if r)[:REASONS]
        return Verdict(round(score, 4), answers, reasons)
