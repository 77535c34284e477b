"""Benchmark: ingest a folder from scratch per embedding backend, a no-op re-run, raw encode.

    python bench/ingest_benchmark.py ../shared/corpus [--data-dir DIR]
        [--compare torch,onnx] [--rounds 1] [--files N] [--quality SET,SET] [--cross]

Each round ingests the folder once per backend, in turn (A/B/A/B on a shared machine), each
into a fresh index by `python -m ingest` with ATP_EMBED_BACKEND set, and reports per backend
the median wall time, pages/s, chunks/s, CPU seconds (user+sys, steadier than wall time when
other work shares the cores), the child's peak RSS, and the ratio of its chunks/s to raw
`SentenceTransformer.encode` (the torch baseline, timed on a sample of the same chunks in
each round). `--quality` then scores each backend's index with `python -m assistant.eval` on
the named sets (page hit@5, MRR); `--cross` also asks the onnx backend against the torch
index. One JSON object per backend is printed, then a comparison object.

Targets (from the ingestion issue): pipeline >= 0.8 x raw torch encode; no-op re-run < 5% of
the full ingest. From the ONNX issue: onnx >= 2.0 x torch throughput, quality within 0.01.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runnable from a checkout without `pip install -e .`


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_child(cmd: list[str], env: dict[str, str]) -> dict[str, float]:
    """Wall time, CPU time and peak RSS of one child, from its own rusage (not the sum)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{out.decode()[-3000:]}")
    return {
        "wall_s": time.perf_counter() - started,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }


def backend_env(backend: str) -> dict[str, str]:
    return {**os.environ, "ATP_EMBED_BACKEND": backend, "PYTHONPATH": str(ROOT)}


def ingest_cmd(data_dir: Path, corpus: Path) -> list[str]:
    return [sys.executable, "-m", "ingest", "--data-dir", str(data_dir), "-q", "sync", str(corpus)]


def raw_encode(data_dir: Path, sample: int) -> float:
    """Raw torch `encode` chunks/s on an evenly spread sample of the index's chunks."""
    from sentence_transformers import SentenceTransformer

    from vectorstore import open_store
    from vectorstore.settings import StoreSettings

    settings = StoreSettings.from_env(data_dir=data_dir, embed_backend="torch")
    texts = [c.text for c in open_store(settings).iter_chunks() if c.page is not None]
    texts = texts[:: max(1, len(texts) // sample)][:sample]
    model = SentenceTransformer(settings.embedding_model, device="cpu")
    model.encode(texts[:64], batch_size=settings.embed_batch)  # warm-up
    started = time.perf_counter()
    model.encode(texts, batch_size=settings.embed_batch, normalize_embeddings=True)
    return len(texts) / (time.perf_counter() - started)


def index_counts(data_dir: Path) -> tuple[int, int]:
    from vectorstore import open_store
    from vectorstore.settings import StoreSettings

    store = open_store(StoreSettings.from_env(data_dir=data_dir))
    totals = store.counts()
    return totals["pages"], totals["chunks"]


def quality(data_dir: Path, backend: str, sets: list[str]) -> dict[str, float]:
    """Page hit@5 and MRR over the sets, from the evaluation CLI on a copy of the index."""
    table = tomllib.loads((ROOT / "eval" / "sets.toml").read_text())["sets"]
    files = [str(ROOT / "eval" / table[name]["file"]) for name in sets]
    work = Path(tempfile.mkdtemp(prefix=f"atp-bench-eval-{backend}-"))
    shutil.copytree(data_dir, work, dirs_exist_ok=True)
    try:
        cmd = [sys.executable, "-m", "assistant.eval", "--data-dir", str(work), "--no-baselines"]
        done = subprocess.run(
            cmd + files, cwd=ROOT, env=backend_env(backend), capture_output=True, text=True
        )
        if done.returncode not in (0, 1):
            raise SystemExit(f"evaluation failed:\n{done.stderr[-3000:]}")
        summary = json.loads(done.stdout)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return pick_quality(summary)


def pick_quality(summary: dict) -> dict[str, float]:
    """The assistant's own figures (the first result; the others are baselines)."""
    ours = summary["results"][0]
    return {k: ours[k] for k in QUALITY_KEYS if k in ours}


QUALITY_KEYS = ("page_hit@1", "page_hit@5", "mrr@10", "key_fact_recall", "latency_p50_ms")


def main() -> None:
    from vectorstore.generations import Generations

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--data-dir", type=Path, help="parent of the per-backend indexes")
    parser.add_argument("--compare", default="torch", help="backends, comma-separated")
    parser.add_argument("--rounds", type=int, default=1, help="A/B rounds; medians are reported")
    parser.add_argument("--files", type=int, default=0, help="only the first N PDFs (a subset)")
    parser.add_argument("--raw-sample", type=int, default=512, help="chunks for raw encode")
    parser.add_argument("--quality", default="", help="eval/sets.toml names to score")
    parser.add_argument("--cross", action="store_true", help="onnx queries on the torch index")
    args = parser.parse_args()

    backends = [b.strip() for b in args.compare.split(",") if b.strip()]
    base = args.data_dir or Path(tempfile.mkdtemp(prefix="atp-bench-"))
    corpus = args.corpus.resolve()
    if not any(corpus.glob("*.pdf")):
        raise SystemExit(f"no PDFs in {corpus}")
    if args.files:
        subset = base / "subset"
        subset.mkdir(parents=True, exist_ok=True)
        for pdf in sorted(corpus.glob("*.pdf"))[: args.files]:
            target = subset / pdf.name
            if not target.exists():
                target.symlink_to(pdf)
        corpus = subset
    for backend in backends:  # a first ONNX build is a one-off, not ingest time
        if backend.startswith("onnx"):
            run_child([sys.executable, "-m", "vectorstore.onnx_build"], backend_env(backend))

    runs: dict[str, list[dict[str, float]]] = {b: [] for b in backends}
    raw: list[float] = []
    for round_ in range(args.rounds):
        for backend in backends:
            data_dir = base / backend
            shutil.rmtree(data_dir, ignore_errors=True)
            full = run_child(ingest_cmd(data_dir, corpus), backend_env(backend))
            noop = run_child(ingest_cmd(data_dir, corpus), backend_env(backend))
            full["noop_s"] = noop["wall_s"]
            runs[backend].append(full)
            print(f"round {round_ + 1} {backend}: {json.dumps(full)}", file=sys.stderr)
        raw.append(raw_encode(base / backends[0], args.raw_sample))
        print(f"round {round_ + 1} raw torch encode: {raw[-1]:.1f} chunks/s", file=sys.stderr)

    pages, chunks = index_counts(base / backends[0])
    raw_rate = statistics.median(raw)
    results: dict[str, dict] = {}
    for backend in backends:
        med = {k: statistics.median(r[k] for r in runs[backend]) for k in runs[backend][0]}
        result = {
            "backend": backend,
            "pdfs": len(list(corpus.glob("*.pdf"))),
            "pages": pages,
            "chunks": chunks,
            "rounds": args.rounds,
            "full_ingest_s": round(med["wall_s"], 1),
            "pages_per_s": round(pages / med["wall_s"], 2),
            "chunks_per_s": round(chunks / med["wall_s"], 2),
            "cpu_s": round(med["cpu_s"], 1),
            "chunks_per_cpu_s": round(chunks / med["cpu_s"], 2),
            "raw_torch_encode_chunks_per_s": round(raw_rate, 2),
            "vs_raw_torch_encode": round(chunks / med["wall_s"] / raw_rate, 3),
            "noop_rerun_s": round(med["noop_s"], 2),
            "noop_vs_full": round(med["noop_s"] / med["wall_s"], 4),
            "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs[backend])),
            "index_size_mb": round(
                folder_size(Generations(base / backend).current().path) / 2**20, 1
            ),
            "wall_s_each_round": [round(r["wall_s"], 1) for r in runs[backend]],
        }
        if args.quality:
            result["quality"] = quality(base / backend, backend, args.quality.split(","))
        results[backend] = result
        print(json.dumps(result))
    if "torch" in results and "onnx" in results:
        t, o = results["torch"], results["onnx"]
        ratios = [
            ta["wall_s"] / oa["wall_s"] for ta, oa in zip(runs["torch"], runs["onnx"], strict=True)
        ]
        comparison: dict = {
            "onnx_vs_torch_throughput": round(t["full_ingest_s"] / o["full_ingest_s"], 2),
            "onnx_vs_torch_each_round": [round(r, 2) for r in ratios],
            "onnx_vs_torch_cpu": round(t["cpu_s"] / o["cpu_s"], 2),
            "peak_rss_onnx_vs_torch": round(o["peak_rss_mb"] / t["peak_rss_mb"], 2),
        }
        if args.quality:
            comparison["quality_delta"] = {
                k: round(o["quality"].get(k, 0) - v, 4) for k, v in t["quality"].items()
            }
            if args.cross:
                comparison["onnx_queries_on_torch_index"] = quality(
                    base / "torch", "onnx", args.quality.split(",")
                )
        print(json.dumps({"comparison": comparison}))


if __name__ == "__main__":
    main()
