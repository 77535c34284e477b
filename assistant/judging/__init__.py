"""Answerability as a seam: named features in, a Verdict (score, reasons) out, by a judge
chosen by name like the backends."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Verdict:
    score: float  # 0 to 1: how likely the passages answer the question
    answers: bool  # score at or above the judge's threshold
    reasons: tuple[str, ...] = ()  # plain words, strongest first


class Judge(Protocol):
    name: str
    threshold: float

    def judge(self, features: Mapping[str, float]) -> Verdict: ...


def _fitted(threshold: float | None) -> Judge:
    from assistant.judging.fitted import FittedJudge

    return FittedJudge.load(threshold=threshold)


def _rules(threshold: float | None) -> Judge:
    from assistant.judging.rules import RulesJudge

    return RulesJudge(0.5 if threshold is None else threshold)


JUDGES: dict[str, Callable[[float | None], Judge]] = {"fitted": _fitted, "rules": _rules}


def get_judge(name: str, threshold: float | None = None) -> Judge:
    """The judge called `name`; `threshold` overrides the one it was calibrated with."""
    if name not in JUDGES:
        raise ValueError(f"unknown judge {name!r}; choose one of {', '.join(JUDGES)}")
    return JUDGES[name](threshold)
