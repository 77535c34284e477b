"""Benchmark: ingest a folder from scratch, then a no-op re-run, then raw encode throughput.

    python bench/ingest_benchmark.py ../shared/corpus [--data-dir DIR]

Targets (from the ingestion issue): the pipeline reaches at least 80% of raw
`SentenceTransformer.encode` throughput on the same chunks, and the no-op re-run takes under
5% of the full ingest. Timings are from one run on a shared machine; compare ratios.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> None:
    corpus = Path(sys.argv[1]).resolve()
    data_dir = (
        Path(sys.argv[3]) if len(sys.argv) > 3 else Path(tempfile.mkdtemp(prefix="atp-bench-"))
    )
    cmd = [sys.executable, "-m", "ingest", "--data-dir", str(data_dir), "-q", "sync", str(corpus)]
    started = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    full = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    noop = time.perf_counter() - started

    from sentence_transformers import SentenceTransformer

    from vectorstore import open_store
    from vectorstore.generations import Generations
    from vectorstore.settings import StoreSettings

    settings = StoreSettings.from_env(data_dir=data_dir)
    store = open_store(settings)
    texts = [c.text for c in store.iter_chunks() if c.page is not None]
    pages = sum(d.pages for d in store.documents())
    model = SentenceTransformer(settings.embedding_model, device="cpu")
    model.encode(texts[:64], batch_size=settings.embed_batch)  # warm-up
    started = time.perf_counter()
    model.encode(texts, batch_size=settings.embed_batch, normalize_embeddings=True)
    raw = time.perf_counter() - started
    result = {
        "pages": pages,
        "chunks": len(texts),
        "full_ingest_s": round(full, 1),
        "pages_per_s": round(pages / full, 1),
        "chunks_per_s": round(len(texts) / full, 1),
        "raw_encode_s": round(raw, 1),
        "raw_encode_chunks_per_s": round(len(texts) / raw, 1),
        "pipeline_vs_raw_encode": round((len(texts) / full) / (len(texts) / raw), 3),
        "noop_rerun_s": round(noop, 2),
        "noop_vs_full": round(noop / full, 4),
        "peak_rss_mb": round(peak_kb / 1024),
        "index_size_mb": round(folder_size(Generations(data_dir).current().path) / 2**20, 1),
        "targets_met": {
            "pipeline >= 0.8 x raw encode": (len(texts) / full) / (len(texts) / raw) >= 0.8,
            "no-op < 5% of full": noop / full < 0.05,
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
