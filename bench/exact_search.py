"""Benchmark: the Store's exact dense search against Chroma's HNSW search, in one process.

    python bench/exact_search.py --data-dir DIR [--questions FILE.jsonl ...] [--limit 300]

Each question's embedding is searched both ways in turn (A/B per question, so a busy neighbour
slows both alike), top 30 as the retriever asks. Prints the time the first search spends reading
the vectors, the median time of each way and their ratio, and in how many questions the two
top 30s are identical (the rest are HNSW's misses: exact search returns the true nearest).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import vectorstore.store as store_module  # noqa: E402
from vectorstore.index import Index  # noqa: E402
from vectorstore.settings import StoreSettings  # noqa: E402

K = 30  # the retriever's dense_k


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument(
        "--questions",
        type=Path,
        nargs="+",
        default=[
            ROOT / "eval" / "heldout_questions.jsonl",
            ROOT / "eval" / "programme_questions.jsonl",
        ],
    )
    parser.add_argument("--limit", type=int, default=300)
    args = parser.parse_args()
    store = Index(StoreSettings.from_env(data_dir=args.data_dir)).reader()
    questions = [
        json.loads(line)["question"]
        for path in args.questions
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ][: args.limit]
    vectors = store.embedder.encode(questions)
    versions = store.committed_versions()
    started = time.perf_counter()
    store.search(vectors[0], K, versions=versions)
    first = time.perf_counter() - started
    exact, hnsw, identical = [], [], 0
    for vector in vectors:
        timed = []
        for limit, times in ((10**12, exact), (0, hnsw)):
            store_module.EXACT_UP_TO = limit
            started = time.perf_counter()
            timed.append([h.chunk.id for h in store.search(vector, K, versions=versions)])
            times.append(time.perf_counter() - started)
        identical += timed[0] == timed[1]
    e, h = statistics.median(exact) * 1000, statistics.median(hnsw) * 1000
    print(f"{len(vectors)} questions, {store.chunks.count()} chunks")
    print(f"first search, reading the vectors: {first:.2f} s")
    print(f"exact median {e:.2f} ms, Chroma HNSW median {h:.2f} ms, ratio {h / e:.2f}")
    print(f"identical top {K}: {identical}/{len(vectors)}")


if __name__ == "__main__":
    main()
