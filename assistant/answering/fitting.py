"""Fit the sentence ranker: the sentences of the passages each training question retrieves,
labelled by whether they hold one of its key facts; a logistic regression over their features,
cross-validated by question set (a set is one writer's wording), scored by the share of key
facts the chosen sentences hold. Needs scikit-learn; the product only reads the weights."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.answering.choose import MAX_SENTENCES, PER_PASSAGE, near_duplicate
from assistant.answering.ranking import FEATURES, Candidate, SentenceRanker
from assistant.text import tokens

FOLDS = 5
STRENGTH = 1.0  # sklearn's C; 0.1 to 10 gave the same held-out share (eval/decisions.md)
OVERLAP_DECAY = 0.85  # per passage rank, in the word-overlap order the ranker replaced


@dataclass(frozen=True)
class Example:
    """One question's candidate sentences and the key facts each holds."""

    group: str  # the question set, for the folds
    facts: int
    candidates: tuple[Candidate, ...]
    holds: tuple[frozenset[int], ...]  # per candidate: which key facts


def example(group: str, facts: Sequence[str], candidates: Sequence[Candidate]) -> Example:
    wanted = [_plain(f) for f in facts]
    holds = tuple(
        frozenset(i for i, f in enumerate(wanted) if f in _plain(c.text)) for c in candidates
    )
    return Example(group, len(wanted), tuple(candidates), holds)


def _plain(text: str) -> str:
    return " ".join(text.lower().split())


def coverage(ex: Example, scores: Sequence[float]) -> float:
    """The share of the key facts the top sentences by `scores` hold, chosen as the answer
    chooses them (at most two a passage, no near-duplicates)."""
    found: set[int] = set()
    taken: Counter[int] = Counter()
    seen: list[frozenset[str]] = []
    for i in sorted(range(len(scores)), key=lambda i: -scores[i]):
        c = ex.candidates[i]
        words = frozenset(tokens(c.text))
        if taken[c.n] >= PER_PASSAGE or any(near_duplicate(words, w) for w in seen):
            continue
        taken[c.n] += 1
        seen.append(words)
        found |= ex.holds[i]
        if len(seen) >= MAX_SENTENCES:
            break
    return len(found) / ex.facts if ex.facts else 1.0


def _matrix(examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray]:
    x = [[c.features[f] for f in FEATURES] for ex in examples for c in ex.candidates]
    y = [bool(h) for ex in examples for h in ex.holds]
    return np.array(x, dtype=float).reshape(-1, len(FEATURES)), np.array(y, dtype=bool)


def _fit(examples: Sequence[Example]) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    x, y = _matrix(examples)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=STRENGTH, max_iter=5000).fit((x - mean) / scale, y)
    return {
        "features": list(FEATURES),
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "coef": [round(float(v), 6) for v in model.coef_[0]],
        "intercept": round(float(model.intercept_[0]), 6),
    }


def fit_ranker(examples: Sequence[Example]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(weights for SentenceRanker, the held-out share of key facts chosen, against the word
    overlap order the answer used before, folds by question set)."""
    groups = sorted({ex.group for ex in examples})
    fold = {g: k % FOLDS for k, g in enumerate(np.random.RandomState(0).permutation(groups))}
    fitted, overlap = [], []
    for k in range(min(FOLDS, len(groups))):
        train = [ex for ex in examples if fold[ex.group] != k]
        score = SentenceRanker(_fit(train)).score
        for ex in (ex for ex in examples if fold[ex.group] == k):
            fitted.append(coverage(ex, [score(c.features) for c in ex.candidates]))
            decayed = [
                c.features["score"] * OVERLAP_DECAY ** c.features["passage_rank"]
                for c in ex.candidates
            ]
            overlap.append(coverage(ex, decayed))
    weights = _fit(examples)
    report = {
        "questions": len(examples),
        "sentences": sum(len(ex.candidates) for ex in examples),
        "held_out_key_facts_chosen": {
            "fitted": round(float(np.mean(fitted)), 4) if fitted else math.nan,
            "word_overlap": round(float(np.mean(overlap)), 4) if overlap else math.nan,
        },
        "coef": dict(zip(weights["features"], weights["coef"], strict=True)),
    }
    return weights, report
