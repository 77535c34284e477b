"""The hand-set judge the fitted one replaced, kept as the baseline it is measured against:
any missing kind of answer or absent name refuses; otherwise the share of the question covered."""

from __future__ import annotations

from collections.abc import Mapping

from assistant.judging import Verdict
from assistant.judging.features import describe

VETOES = (
    "unknown_name",
    "absent_year",
    "absent_subject",
    "lacks_quantity",
    "lacks_count_for_year",
    "lacks_contact",
    "lacks_succession",
)


class RulesJudge:
    name = "rules"

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold

    def judge(self, features: Mapping[str, float]) -> Verdict:
        vetoed = [v for v in VETOES if features.get(v)]
        if vetoed:
            return Verdict(0.0, False, tuple(describe(v, True) for v in vetoed))
        score = (
            0.0
            if features.get("specific", 1.0) == 0
            else max(features.get("strength", 0.0), features.get("parts", 0.0))
        )
        answers = score >= self.threshold
        return Verdict(score, answers, (describe("strength", answers),))
