"""`python -m assistant.reading figures`: does a reader find the answer sentence among those the
retrieval shows, and does its best score tell answerable questions from the others, beside BM25
over the same sentences and the bi-encoder's cosine."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

import click
import numpy as np

from assistant.reading.pools import Pool, read_pools
from assistant.reading.train import bm25_scores, main, question_sets

WEIGHTS = [round(w, 2) for w in np.linspace(0, 1, 21)]


def standardised(values: Sequence[float]) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    spread = v.std()
    return (v - v.mean()) / spread if spread > 0 else np.zeros_like(v)


def answer_at(pools: Sequence[dict], key: str, k: int, weight: float | None = None) -> float:
    """Share of the pools (each holding an answer) whose top `k` by `key` hold an answer; with a
    weight, `key` standardised per question is combined with BM25 so."""
    hits = []
    for row in pools:
        if weight is None:
            score = np.asarray(row[key])
        else:
            score = weight * standardised(row[key]) + (1 - weight) * standardised(row["bm25"])
        order = np.argsort(-score, kind="stable")[:k]
        hits.append(any(row["answers"][i] for i in order))
    return round(float(np.mean(hits)), 4) if hits else float("nan")


def auroc(rows: Sequence[dict], feature: str) -> float:
    from sklearn.metrics import roc_auc_score

    labels = [r["answerable"] for r in rows]
    return round(float(roc_auc_score(labels, [r[feature] for r in rows])), 4)


def best_by_bm25(pool: Pool, top: int) -> Pool:
    """The pool cut to its `top` sentences by BM25, in their order: what a reader re-ranks when
    the answerer shortlists by keywords first."""
    if not top or len(pool.sentences) <= top:
        return pool
    keep = sorted(np.argsort(-bm25_scores(pool.question, pool.sentences), kind="stable")[:top])
    lists = (pool.sentences, pool.pages, pool.ranks, pool.answers)
    cut = [[values[i] for i in keep] for values in lists]
    return Pool(pool.id, pool.set, pool.question, pool.answerable, pool.evidence, *cut)


def score_pools(pools: Sequence[Pool], reader, embedder) -> list[dict]:
    rows = []
    for pool in pools:
        row = {
            "id": pool.id,
            "set": pool.set,
            "answerable": pool.answerable,
            "evidence": pool.evidence,
            "answers": pool.answers,
        }
        if pool.sentences:
            started = time.perf_counter()
            row["reader"] = reader.score(pool.question, pool.sentences)
            row["seconds"] = time.perf_counter() - started
            row["bm25"] = bm25_scores(pool.question, pool.sentences).tolist()
            vectors = embedder.encode([pool.question, *pool.sentences])
            row["cosine"] = (vectors[1:] @ vectors[0]).tolist()
        else:
            row.update(reader=[], bm25=[], cosine=[], seconds=0.0)
        for key in ("reader", "bm25", "cosine"):
            row[f"max_{key}"] = max(row[key], default=0.0)
        rows.append(row)
    return rows


@main.command()
@click.option("--pools", "pools_path", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--reader", "reader_name", required=True, help="As ATP_READER: a name or a folder.")
@click.option("--sets", "only", required=True, help="Comma-separated set names to score.")
@click.option("--top", default=0, show_default=True, help="Keep the best N by BM25 (0: all).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def score(pools_path: Path, reader_name: str, only: str, top: int, out: Path) -> None:
    """Reader, BM25 and bi-encoder scores of every pool sentence, with the reader's time."""
    from assistant.reading import get_reader
    from vectorstore.embeddings import Embedder
    from vectorstore.settings import default_model_path

    pools = [best_by_bm25(p, top) for p in read_pools(pools_path) if p.set in only.split(",")]
    reader = get_reader(reader_name)
    reader.score("warm-up", ["a sentence to load the model"])
    rows = score_pools(pools, reader, Embedder(default_model_path()))
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))


@main.command()
@click.option(
    "--scores",
    "paths",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    multiple=True,
    required=True,
    help="Files written by `score`.",
)
@click.option(
    "--tune",
    default="heldout18,heldout19",
    show_default=True,
    help="Sets (kept out of fitting) that choose the BM25 weight and fit the judge.",
)
@click.option("--status", default="blind", show_default=True, help="Sets measured.")
def figures(paths: tuple[Path, ...], tune: str, status: str) -> None:
    """Answer sentence at rank 1 / in the top 3, alone and with BM25; AUROC; latency."""
    from scipy.stats import rankdata
    from sklearn.linear_model import LogisticRegression

    tuning, measured = set(tune.split(",")), {n for n, _ in question_sets([status])}
    rows = [json.loads(line) for path in paths for line in path.read_text().splitlines()]
    tune_rows = [r for r in rows if r["set"] in tuning]
    blind_rows = [r for r in rows if r["set"] in measured]
    answered = [r for r in tune_rows if any(r["answers"])]
    weight, cos_weight = (
        max(WEIGHTS, key=lambda w: answer_at(answered, f, 1, w) + answer_at(answered, f, 3, w))
        if answered
        else 0.5  # no tuning set scored: equal weights, fixed before looking
        for f in ("reader", "cosine")
    )
    features = {
        "evidence": ["evidence"],
        "evidence+reader": ["evidence", "max_reader"],
        "evidence+bm25+cosine": ["evidence", "max_bm25", "max_cosine"],
        "evidence+bm25+cosine+reader": ["evidence", "max_bm25", "max_cosine", "max_reader"],
    }
    judges = {}
    for name, cols in features.items():
        if not tune_rows:  # nothing to fit on: the features' mean percentile rank, unfitted
            ranks = [rankdata([r[c] for r in blind_rows]) / len(blind_rows) for c in cols]
            for i, r in enumerate(blind_rows):
                r[f"judge:{name}"] = float(np.mean([rank[i] for rank in ranks]))
            judges[name] = "mean percentile rank (no tuning set)"
            continue
        fitted = LogisticRegression().fit(
            [[r[c] for c in cols] for r in tune_rows], [r["answerable"] for r in tune_rows]
        )
        for r in blind_rows:
            r[f"judge:{name}"] = float(fitted.predict_proba([[r[c] for c in cols]])[0, 1])
        judges[name] = [round(float(x), 3) for x in [*fitted.coef_[0], fitted.intercept_[0]]]
    with_answer = [r for r in blind_rows if any(r["answers"])]
    latencies = [r["seconds"] for r in blind_rows if r["reader"]]
    sizes = [len(r["reader"]) for r in blind_rows if r["reader"]]
    report = {
        "blind questions": len(blind_rows),
        "with an answer sentence in the pool": len(with_answer),
        "sentences per question (median)": statistics.median(sizes),
        "bm25 weight beside reader, cosine (chosen on tuning sets)": [1 - weight, 1 - cos_weight],
        "rank 1": {
            "bm25": answer_at(with_answer, "bm25", 1),
            "cosine": answer_at(with_answer, "cosine", 1),
            "reader": answer_at(with_answer, "reader", 1),
            "reader+bm25": answer_at(with_answer, "reader", 1, weight),
            "cosine+bm25": answer_at(with_answer, "cosine", 1, cos_weight),
        },
        "top 3": {
            "bm25": answer_at(with_answer, "bm25", 3),
            "cosine": answer_at(with_answer, "cosine", 3),
            "reader": answer_at(with_answer, "reader", 3),
            "reader+bm25": answer_at(with_answer, "reader", 3, weight),
            "cosine+bm25": answer_at(with_answer, "cosine", 3, cos_weight),
        },
        "AUROC answerable": {
            f: auroc(blind_rows, f)
            for f in ["max_bm25", "max_cosine", "max_reader", "evidence"]
            + [f"judge:{n}" for n in features]
        },
        "judge coefficients (fitted on tuning sets)": judges,
        "reader latency per question p50 ms": round(1000 * statistics.median(latencies), 1),
    }
    click.echo(json.dumps(report, indent=2))
