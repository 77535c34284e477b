"""Fit the judge: an L1 logistic regression, whose strength of regularisation is chosen by
cross-validation, or gradient-boosted trees (scikit-learn's HistGradientBoostingClassifier,
exported node by node); either way the threshold is set out of fold for a target false-refusal
rate. Needs scikit-learn (a dependency of sentence-transformers); the product only reads the
exported model.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from assistant.judging.trees import Trees, export

FOLDS = 5
STRENGTHS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)  # inverse regularisation tried (sklearn's C)
TREES = {"max_depth": 3}  # scikit-learn's defaults otherwise; monotone constraints did worse
# Trees refused fewer answerable questions held out but ignored the unknown-name features, so
# answered "and in Alexandria?" with Cairo's facts: logistic ships (eval/decisions.md).
MODELS = ("logistic", "boosted")


def threshold_for(scores: np.ndarray, answerable: np.ndarray, max_false_refusals: float) -> float:
    """The highest threshold that refuses at most that share of the answerable questions."""
    ranked = np.sort(scores[answerable])
    allowed = int(np.floor(max_false_refusals * len(ranked)))
    return float(ranked[allowed]) if len(ranked) else 0.5


def _oof(model_factory, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    from sklearn.model_selection import StratifiedKFold

    out = np.zeros(len(y))
    for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(x, y):
        out[test] = model_factory().fit(x[train], y[train]).predict_proba(x[test])[:, 1]
    return out


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
    model: str = "logistic",
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(weights for FittedJudge, a report of the cross-validated figures). `model` is one of
    MODELS; with `compare`, the report has the other's figures on the same folds too."""
    if model not in MODELS:
        raise ValueError(f"unknown judge model {model!r}; choose one of {', '.join(MODELS)}")
    names = [n for n in names if all(n in r for r in rows)]
    x = np.array([[r[n] for n in names] for r in rows], dtype=float)
    y = np.array(answerable, dtype=bool)
    report: dict[str, Any] = {"questions": len(y), "unanswerable": int((~y).sum()), "cv": {}}
    fits = {"boosted": _boosted, "logistic": _logistic}
    weights: dict[str, Any] = {}
    for name in MODELS if compare else (model,):
        fitted, cv, chosen, unused = fits[name](x, y, names, max_false_refusals)
        report["cv"].update(cv)
        if name == model:
            weights, report["chosen"], report["unused_features"] = fitted, chosen, unused
    weights.update({"fitted_on": report["questions"], "cv": report["chosen"]})
    return weights, report


def _boosted(x: np.ndarray, y: np.ndarray, names: list[str], max_false_refusals: float):
    from sklearn.ensemble import HistGradientBoostingClassifier

    def boosted():
        return HistGradientBoostingClassifier(**TREES, random_state=0)

    oof = _oof(boosted, x, y)
    threshold = threshold_for(oof, y, max_false_refusals)
    rates = _rates(oof, y, threshold)
    trees = export(boosted().fit(x, y), names, x)
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

    cv, best = {}, None
    warnings.filterwarnings("ignore", message=".*penalty.*")  # sklearn 1.8 renamed it l1_ratio
    for c in STRENGTHS:
        oof = _oof(logistic(c), x, y)
        threshold = threshold_for(oof, y, max_false_refusals)
        rates = _rates(oof, y, threshold)
        cv[f"logistic C={c}"] = rates
        if best is None or rates["refusal_recall"] > best[1]["refusal_recall"]:
            best = (c, rates, threshold)
    assert best is not None
    c, rates, threshold = best
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
