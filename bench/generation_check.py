"""What following the index's generation costs the app: the check before each question when
nothing changed, against the question itself, and the first question after a new generation.

    python bench/generation_check.py --data-dir DIR [--questions eval/corpus_questions.jsonl]

DIR is an index built by `python -m ingest` (a copy: the run publishes one more generation in
it). Prints JSON: medians over every question of the file, asked through the app's Services.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import click
import numpy as np


@click.command()
@click.option("--data-dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--questions",
    type=click.Path(exists=True, path_type=Path),
    default=Path("eval/corpus_questions.jsonl"),
)
@click.option("--checks", default=5000, help="Generation checks timed when nothing changed.")
def main(data_dir: Path, questions: Path, checks: int) -> None:
    from ui.services import Services
    from vectorstore.records import DocumentInfo

    asked = [json.loads(line)["question"] for line in questions.read_text().splitlines() if line]
    services = Services.from_env(data_dir)
    services.start_background().join()
    services.assistant().ask(asked[0])  # warm

    check = []
    for _ in range(checks):
        started = time.perf_counter()
        services.snapshot()
        check.append(time.perf_counter() - started)
    answer = []
    for question in asked:
        started = time.perf_counter()
        services.snapshot()  # what each question does first, as the chat does
        services.assistant().ask(question)
        answer.append(time.perf_counter() - started)

    info = DocumentInfo(
        id="bench-note",
        title="Bench note",
        year=None,
        doc_type="publication",
        kind="publication",
        url=None,
        pages=0,
        chunks=0,
        content_hash="x",
        version=f"v{time.time_ns()}",
    )
    with services.index.writer(command="bench/generation_check.py") as store:
        store.write_document(info, [], [], np.zeros((0, 384), dtype=np.float32))
    started = time.perf_counter()
    services.assistant().ask(asked[0])  # opens the new generation and rebuilds keyword search
    first_after = time.perf_counter() - started
    started = time.perf_counter()
    services.assistant().ask(asked[0])
    second_after = time.perf_counter() - started

    check_median = statistics.median(check)
    answer_median = statistics.median(answer)
    print(
        json.dumps(
            {
                "questions": len(asked),
                "check_unchanged_median_us": round(check_median * 1e6, 1),
                "check_unchanged_p95_us": round(sorted(check)[int(0.95 * len(check))] * 1e6, 1),
                "question_median_ms": round(answer_median * 1e3, 1),
                "check_vs_question": round(check_median / answer_median, 6),
                "first_question_after_new_generation_ms": round(first_after * 1e3, 1),
                "same_question_again_ms": round(second_after * 1e3, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
