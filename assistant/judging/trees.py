"""Gradient-boosted trees as both judges ship them: exported node by node from scikit-learn's
HistGradientBoostingClassifier by the fit commands, read here without scikit-learn. Trees weigh
a feature by the others (coverage counts for less when a passage is near in meaning), which a
logistic model's one weight per feature cannot."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Node = tuple  # a split (feature, threshold, left, right) or a leaf (value,)


@dataclass(frozen=True)
class Trees:
    """log-odds = baseline + each tree's leaf; a value at or below a split's threshold goes
    left, as in scikit-learn."""

    trees: tuple[tuple[Node, ...], ...]
    baseline: float = 0.0

    @property
    def reads(self) -> frozenset[str]:
        """The features some split reads: those the fit found a use for."""
        return frozenset(n[0] for tree in self.trees for n in tree if len(n) == 4)

    def log_odds(self, values: Mapping[str, float]) -> float:
        total = self.baseline
        for tree in self.trees:
            node = tree[0]
            while len(node) == 4:
                feature, threshold, left, right = node
                node = tree[left if values.get(feature, 0.0) <= threshold else right]
            total += node[0]
        return total

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> Trees:
        trees = tuple(tuple(tuple(n) for n in tree) for tree in data["trees"])
        return cls(trees, float(data["baseline"]))


def export(model: Any, names: Sequence[str], rows: Any) -> dict[str, Any]:
    """A fitted HistGradientBoostingClassifier (two classes) as {"baseline", "trees"}, each node
    a split [feature, threshold, left, right] or a leaf [value]; checked against the model's
    own log-odds on `rows`, since it reads scikit-learn's private tree arrays."""
    import numpy as np

    trees = []
    for (predictor,) in model._predictors:  # one tree per round for two classes
        nodes: list[list] = []
        for node in predictor.nodes:
            if node["is_leaf"]:
                nodes.append([round(float(node["value"]), 6)])
            else:
                feature, threshold = names[node["feature_idx"]], float(node["num_threshold"])
                nodes.append([feature, threshold, int(node["left"]), int(node["right"])])
        trees.append(nodes)
    baseline = float(np.ravel(model._baseline_prediction)[0])
    ours = Trees.load({"trees": trees, "baseline": baseline})
    got = [ours.log_odds(dict(zip(names, r, strict=True))) for r in np.asarray(rows)]
    if not np.allclose(got, model.decision_function(rows), atol=1e-4):
        raise ValueError("the exported trees do not reproduce the fitted model")
    return {"baseline": round(baseline, 6), "trees": trees}


def inline_short_lists(text: str) -> str:
    """JSON indented, but a list of up to four numbers or names (a tree's node, a term's [idf,
    weight]) on one line: a model file a person can read and diff."""
    short = re.compile(r"\[\s+((?:[^\[\]{},]+,\s+){0,3}[^\[\]{},]+?)\s+\]")
    return short.sub(lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", text)
