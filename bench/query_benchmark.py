"""Benchmark: warm question latency per embedding backend, and where a question's time goes.

    python bench/query_benchmark.py --data-dir DIR [--questions FILE.jsonl ...]
        [--compare torch,onnx] [--limit 60] [--rounds 2] [--profile BACKEND] [--answers OUT]

One process, one index, one Assistant per backend (offline answerer); every question is asked
of each backend in turn (A/B per question) after a warm-up, so a busy neighbour slows both
alike. Prints per backend the median and p90 latency and their ratio, and the share of
questions whose answers are identical across backends. `--profile` runs the questions once
more under cProfile and prints the time per stage (embedding, Chroma query, BM25, page
scores, re-ranking, sentence ranking, citation check) and the top functions. `--answers`
writes each backend's answer texts, to compare a change's answers before and after.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Stage -> (file suffix, function name) whose cumulative time is that stage's.
STAGES = {
    "embed query": ("vectorstore/embeddings.py", "encode"),
    "Chroma query": ("vectorstore/store.py", "search"),
    "committed versions": ("vectorstore/store.py", "committed_versions"),
    "BM25 passages": ("assistant/retrieval/keyword.py", "scores"),
    "BM25 pages (favour pages)": ("assistant/retrieval/search.py", "_favour_pages"),
    "word-coverage rescoring": ("assistant/retrieval/search.py", "_rescore"),
    "sentence ranking": ("assistant/retrieval/evidence.py", "rank_sentences"),
    "retrieve (all of search)": ("assistant/retrieval/search.py", "retrieve"),
    "citation check": ("assistant/answering/citations.py", "check"),
    "page text reads": ("vectorstore/store.py", "page_text"),
    "whole question (ask)": ("assistant/chat.py", "ask"),
}


def load_questions(paths: list[Path], limit: int) -> list[str]:
    questions = []
    for path in paths:
        for line in path.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                if not row.get("history"):  # follow-ups need their turns; kept out for speed
                    questions.append(row["question"])
    step = max(1, len(questions) // limit) if limit else 1
    return questions[::step][:limit] if limit else questions


def build(data_dir: Path, backends: list[str]):
    from assistant.backends import get_backend
    from assistant.chat import Assistant
    from assistant.settings import AssistantSettings
    from vectorstore.client import connect
    from vectorstore.embeddings import get_embedder
    from vectorstore.settings import StoreSettings
    from vectorstore.store import Store

    settings = StoreSettings.from_env(data_dir=data_dir)
    client = connect(settings)
    assistants = {}
    for name in backends:
        embedder = get_embedder(
            name, settings.embedding_model, settings.embed_batch, settings.model_cache
        )
        store = Store(client, embedder, settings.collection)
        ai = AssistantSettings.from_env(backend="extractive")
        assistants[name] = Assistant(store, get_backend(ai.backend, ai), ai)
    return assistants


def stage_times(stats: pstats.Stats, questions: int) -> dict[str, float]:
    """Milliseconds per question in each stage (cumulative time of the stage's function)."""
    out = {}
    for stage, (suffix, func) in STAGES.items():
        total = sum(
            row[3]
            for (file, _, name), row in stats.stats.items()  # type: ignore[attr-defined]
            if name == func and file.replace("\\", "/").endswith(suffix)
        )
        out[stage] = round(1000 * total / questions, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument(
        "--questions", type=Path, nargs="+", default=[ROOT / "eval" / "corpus_questions.jsonl"]
    )
    parser.add_argument("--compare", default="torch,onnx")
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", help="a backend to profile")
    parser.add_argument("--answers", type=Path, help="write the answers here (JSON)")
    args = parser.parse_args()

    backends = [b.strip() for b in args.compare.split(",") if b.strip()]
    questions = load_questions(args.questions, args.limit)
    assistants = build(args.data_dir, backends)
    for ai in assistants.values():  # load models, BM25 index, caches
        for q in questions[:3]:
            ai.ask(q)
    latencies: dict[str, list[float]] = {b: [] for b in backends}
    answers: dict[str, list[str]] = {b: [] for b in backends}
    for round_ in range(args.rounds):
        for q in questions:
            order = backends if round_ % 2 == 0 else backends[::-1]
            for name in order:
                started = time.perf_counter()
                answer = assistants[name].ask(q)
                latencies[name].append(time.perf_counter() - started)
                if round_ == 0:
                    answers[name].append(answer.text)
    report: dict = {"questions": len(questions), "rounds": args.rounds}
    for name in backends:
        lat = sorted(latencies[name])
        report[name] = {
            "p50_ms": round(1000 * statistics.median(lat), 1),
            "p90_ms": round(1000 * lat[int(0.9 * (len(lat) - 1))], 1),
        }
    if len(backends) == 2:
        a, b = backends
        report[f"{b}_vs_{a}_p50_speedup"] = round(report[a]["p50_ms"] / report[b]["p50_ms"], 2)
        same = sum(x == y for x, y in zip(answers[a], answers[b], strict=True))
        report["identical_answers"] = f"{same}/{len(questions)}"
    if args.answers:
        args.answers.write_text(json.dumps(answers, indent=1, ensure_ascii=False))
    if args.profile:
        profiler = cProfile.Profile()
        ai = assistants[args.profile]
        profiler.enable()
        for q in questions:
            ai.ask(q)
        profiler.disable()
        stats = pstats.Stats(profiler)
        report[f"profile_{args.profile}_ms_per_question"] = stage_times(stats, len(questions))
        stats.sort_stats("tottime").print_stats(15)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
