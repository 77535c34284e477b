"""The quality bar, in CI: the evaluation over ../shared/corpus must meet eval/bar.json.

Slow (it ingests 1,700 pages and embeds them twice: ours and the naive baseline's chunks),
but it is the test that keeps retrieval, citations and refusals honest.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
QUESTIONS = sorted((ROOT / "eval").glob("*_questions.jsonl"))


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"test corpus not found at {CORPUS}")
def test_evaluation_meets_the_bar(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant.eval",
            *map(str, QUESTIONS),
            "--corpus",
            str(CORPUS),
            "--data-dir",
            str(tmp_path / "index"),
            "--bar",
            str(ROOT / "eval" / "bar.json"),
            "--details",
            str(tmp_path / "details.jsonl"),
        ],
        capture_output=True,
        text=True,
        timeout=3000,
    )
    print(result.stdout)
    print(result.stderr[-3000:])
    assert result.returncode == 0, "below the bar: " + result.stderr[-1500:]
    summary = json.loads(result.stdout)
    assert summary["questions"] >= 80
    ours = summary["results"][0]
    assert ours["citation_accuracy"] == 1.0
