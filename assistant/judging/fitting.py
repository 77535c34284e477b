"""Fit the judge: an L1 logistic regression over the features, its strength of regularisation
and its threshold chosen by cross-validation for a target false-refusal rate. Needs
scikit-learn (a dependency of sentence-transformers); the product only reads the weights."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

FOLDS = 5
STRENGTHS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)  # inverse regularisation tried (sklearn's C)


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
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(weights for FittedJudge, a report of the cross-validated figures; with `compare`, also
    those of gradient boosting on the same folds, the alternative not shipped)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    names = [n for n in names if all(n in r for r in rows)]
    x = np.array([[r[n] for n in names] for r in rows], dtype=float)
    y = np.array(answerable, dtype=bool)

    def logistic(c: float):
        return lambda: make_pipeline(
            StandardScaler(),
            LogisticRegression(
                C=c, penalty="l1", solver="liblinear", max_iter=2000, random_state=0
            ),
        )

    report: dict[str, Any] = {"questions": len(y), "unanswerable": int((~y).sum()), "cv": {}}
    best = None
    warnings.filterwarnings("ignore", message=".*penalty.*")  # sklearn 1.8 renamed it l1_ratio
    for c in STRENGTHS:
        oof = _oof(logistic(c), x, y)
        threshold = threshold_for(oof, y, max_false_refusals)
        rates = _rates(oof, y, threshold)
        report["cv"][f"logistic C={c}"] = rates
        if best is None or rates["refusal_recall"] > best[1]["refusal_recall"]:
            best = (c, rates, threshold)
    if compare:
        oof = _oof(lambda: HistGradientBoostingClassifier(max_depth=3, random_state=0), x, y)
        report["cv"]["gradient boosting"] = _rates(
            oof, y, threshold_for(oof, y, max_false_refusals)
        )
    assert best is not None
    c, rates, threshold = best
    model = logistic(c)().fit(x, y)
    scaler, regression = model[0], model[1]
    coef = regression.coef_[0]
    report["chosen"] = {"C": c, "threshold": round(threshold, 4), **rates}
    report["unused_features"] = [n for n, w in zip(names, coef, strict=True) if w == 0]
    weights = {
        "features": list(names),
        "mean": [round(float(m), 6) for m in scaler.mean_],
        "scale": [round(float(s) or 1.0, 6) for s in scaler.scale_],
        "coef": [round(float(w), 6) for w in coef],
        "intercept": round(float(regression.intercept_[0]), 6),
        "low": [round(float(v), 6) for v in x.min(axis=0)],  # the judge clips to this range
        "high": [round(float(v), 6) for v in x.max(axis=0)],
        "threshold": round(threshold, 4),
        "fitted_on": report["questions"],
        "cv": {"C": c, **rates},
    }
    return weights, report
