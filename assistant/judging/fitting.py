"""Fit the judge: an L1 logistic regression, whose strength of regularisation is chosen by
cross-validation, gradient-boosted trees (scikit-learn's HistGradientBoostingClassifier,
exported node by node), or both: trees over the graded features and a logistic regression
over the trees' out-of-fold log-odds and the checks (`CHECKS`). Either way the threshold is
set out of fold for a target false-refusal rate. Needs scikit-learn (a dependency of
sentence-transformers); the product only reads the exported model.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from assistant.judging.features import CHECKS
from assistant.judging.trees import Trees, export

FOLDS = 5
STRENGTHS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)  # inverse regularisation tried (sklearn's C)
HYBRID_STRENGTHS = (0.3, 1.0, 10.0)  # the same for the hybrid's logistic stage
TREES = {"max_depth": 3}  # scikit-learn's defaults otherwise; monotone constraints did worse
# Trees alone leave the rare checks unused (a name no document holds answered with another
# place's facts); the hybrid weighs those linearly beside the trees (eval/decisions.md).
MODELS = ("hybrid", "logistic", "boosted")


def threshold_for(scores: np.ndarray, answerable: np.ndarray, max_false_refusals: float) -> float:
    """The highest threshold that refuses at most that share of the answerable questions."""
    ranked = np.sort(scores[answerable])
    allowed = int(np.floor(max_false_refusals * len(ranked)))
    return float(ranked[allowed]) if len(ranked) else 0.5


def _oof(model_factory, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    out = np.zeros(len(y))
    for train, test in _folds(x, y):
        out[test] = model_factory().fit(x[train], y[train]).predict_proba(x[test])[:, 1]
    return out


def _strongest(name: str, strengths, factory, x: np.ndarray, y: np.ndarray, target: float):
    """Each regularisation strength's out-of-fold figures, and the strength (with its rates and
    threshold) that refuses the most unanswerable questions at the target."""
    cv, best = {}, None
    for c in strengths:
        oof = _oof(factory(c), x, y)
        threshold = threshold_for(oof, y, target)
        rates = _rates(oof, y, threshold)
        cv[f"{name} C={c}"] = rates
        if best is None or rates["refusal_recall"] > best[1]["refusal_recall"]:
            best = (c, rates, threshold)
    assert best is not None
    return cv, best


def _rates(scores: np.ndarray, y: np.ndarray, threshold: float) -> dict[str, float]:
    refused = scores < threshold
    return {
        "refusal_recall": round(float(refused[~y].mean()), 4) if (~y).any() else 0.0,
        "false_refusal_rate": round(float(refused[y].mean()), 4) if y.any() else 0.0,
    }


def fit_judge(
    rows: Sequence[dict[str, float]],
    answerable: Sequence[bool],
    names: Sequence[str],
    max_false_refusals: float,
    compare: bool = True,
    model: str = "hybrid",
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(weights for FittedJudge, a report of the cross-validated figures). `model` is one of
    MODELS; with `compare`, the report has the other's figures on the same folds too."""
    if model not in MODELS:
        raise ValueError(f"unknown judge model {model!r}; choose one of {', '.join(MODELS)}")
    names = [n for n in names if all(n in r for r in rows)]
    x = np.array([[r[n] for n in names] for r in rows], dtype=float)
    y = np.array(answerable, dtype=bool)
    report: dict[str, Any] = {"questions": len(y), "unanswerable": int((~y).sum()), "cv": {}}
    fits = {"boosted": _boosted, "logistic": _logistic, "hybrid": _hybrid}
    weights: dict[str, Any] = {}
    for name in MODELS if compare else (model,):
        fitted, cv, chosen, unused = fits[name](x, y, names, max_false_refusals)
        report["cv"].update(cv)
        if name == model:
            weights, report["chosen"], report["unused_features"] = fitted, chosen, unused
    weights.update({"fitted_on": report["questions"], "cv": report["chosen"]})
    return weights, report


def _gradient_boosting():
    """The trees both the boosted and the hybrid judge fit."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(**TREES, random_state=0)


def _boosted(x: np.ndarray, y: np.ndarray, names: list[str], max_false_refusals: float):
    oof = _oof(_gradient_boosting, x, y)
    threshold = threshold_for(oof, y, max_false_refusals)
    rates = _rates(oof, y, threshold)
    trees = export(_gradient_boosting().fit(x, y), names, x)
    weights = {
        "kind": "boosted",
        "features": list(names),
        "mean": [round(float(m), 6) for m in x.mean(axis=0)],  # what an absent one takes
        "threshold": round(threshold, 4),
        **trees,
    }
    unused = [n for n in names if n not in Trees.load(trees).reads]
    chosen = {**TREES, "threshold": round(threshold, 4), **rates}
    return weights, {"gradient boosting": rates}, chosen, unused


def _logistic(x: np.ndarray, y: np.ndarray, names: list[str], max_false_refusals: float):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def logistic(c: float):
        return lambda: make_pipeline(
            StandardScaler(),
            LogisticRegression(
                C=c, penalty="l1", solver="liblinear", max_iter=2000, random_state=0
            ),
        )

    warnings.filterwarnings("ignore", message=".*penalty.*")  # sklearn 1.8 renamed it l1_ratio
    cv, (c, rates, threshold) = _strongest(
        "logistic", STRENGTHS, logistic, x, y, max_false_refusals
    )
    model = logistic(c)().fit(x, y)
    scaler, regression = model[0], model[1]
    coef = regression.coef_[0]
    weights = {
        "kind": "logistic",
        "features": list(names),
        "mean": [round(float(m), 6) for m in scaler.mean_],
        "scale": [round(float(s) or 1.0, 6) for s in scaler.scale_],
        "coef": [round(float(w), 6) for w in coef],
        "intercept": round(float(regression.intercept_[0]), 6),
        "low": [round(float(v), 6) for v in x.min(axis=0)],  # the judge clips to this range
        "high": [round(float(v), 6) for v in x.max(axis=0)],
        "threshold": round(threshold, 4),
    }
    unused = [n for n, w in zip(names, coef, strict=True) if w == 0]
    chosen = {"C": c, "threshold": round(threshold, 4), **rates}
    return weights, cv, chosen, unused


class Hybrid:
    """Trees over the graded features, then a logistic regression over the trees' log-odds
    (out of fold, so it learns how far to trust them) and the checks, each a term of its own:
    a check that fires rarely still weighs however the trees split."""

    def __init__(self, graded: list[int], checks: list[int], c: float) -> None:
        self.graded, self.checks, self.c = graded, checks, c

    def fit(self, x: np.ndarray, y: np.ndarray) -> Hybrid:
        from sklearn.linear_model import LogisticRegression

        xg = x[:, self.graded]
        margin = np.zeros(len(y))
        for train, test in _folds(xg, y, seed=1):
            margin[test] = _gradient_boosting().fit(xg[train], y[train]).decision_function(xg[test])
        self.trees = _gradient_boosting().fit(xg, y)
        self.linear = LogisticRegression(C=self.c, max_iter=5000).fit(
            np.column_stack([margin, x[:, self.checks]]), y
        )
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        margin = self.trees.decision_function(x[:, self.graded])
        return self.linear.predict_proba(np.column_stack([margin, x[:, self.checks]]))


def _folds(x: np.ndarray, y: np.ndarray, seed: int = 0):
    from sklearn.model_selection import StratifiedKFold

    return StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(x, y)


def _hybrid(x: np.ndarray, y: np.ndarray, names: list[str], max_false_refusals: float):
    checks = [i for i, n in enumerate(names) if n in CHECKS]
    graded = [i for i, n in enumerate(names) if n not in CHECKS]

    def hybrid(c: float):
        return lambda: Hybrid(graded, checks, c)

    cv, (c, rates, threshold) = _strongest(
        "hybrid", HYBRID_STRENGTHS, hybrid, x, y, max_false_refusals
    )
    model = hybrid(c)().fit(x, y)
    trees = export(model.trees, [names[i] for i in graded], x[:, graded])
    mean = x.mean(axis=0)
    coef = np.zeros(len(names))
    coef[checks] = model.linear.coef_[0][1:]
    weights = {
        "kind": "hybrid",
        "features": list(names),
        "mean": [round(float(m), 6) for m in mean],
        "coef": [round(float(w), 6) for w in coef],  # per unit of a check, from its mean
        "intercept": round(float(model.linear.intercept_[0] + coef @ mean), 6),
        "trees_weight": round(float(model.linear.coef_[0][0]), 6),
        "threshold": round(threshold, 4),
        **trees,
    }
    reads = Trees.load(trees).reads
    unused = [n for i, n in enumerate(names) if n not in reads and not coef[i]]
    chosen = {**TREES, "C": c, "threshold": round(threshold, 4), **rates}
    return weights, cv, chosen, unused
