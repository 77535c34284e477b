"""The quality bars, in CI: the evaluation over ../shared/corpus must meet eval/bar*.json.

Two groups, two bars. The tuning questions (the rules were calibrated on them) are held to
eval/bar.json; the blind held-out sets (written by someone who had not seen the rules, committed
before they were first scored) to eval/bar_blind.json, which is set from their own, lower,
figures so that a change that helps the tuning set at the expense of unseen questions fails.

Slow (it ingests 1,700 pages and embeds them twice: ours and the naive baseline's chunks; the
second group reuses the index), but it keeps retrieval, citations and refusals honest.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
EVAL = ROOT / "eval"
TUNING = [EVAL / f"{name}_questions.jsonl" for name in ("corpus", "programme", "heldout")]
BLIND = sorted(EVAL.glob("heldout[0-9]*_questions.jsonl"))
EVERYDAY = sorted(EVAL.glob("everyday[0-9]*_questions.jsonl"))
EVAL_TIMEOUT = 3000  # seconds


def test_every_question_file_is_in_one_group() -> None:
    assert sorted(TUNING + BLIND + EVERYDAY) == sorted(EVAL.glob("*_questions.jsonl"))
    assert len(BLIND) >= 3
    assert len(EVERYDAY) >= 2


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("eval") / "index"


@pytest.mark.slow
# The first case also ingests the corpus; on a shared 2-core machine under load that alone has
# passed the suite's 900 s default. The evaluation's own timeout (below) is the limit.
@pytest.mark.timeout(EVAL_TIMEOUT + 300)
@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"test corpus not found at {CORPUS}")
@pytest.mark.parametrize(
    ("questions", "bar", "at_least"),
    [
        (TUNING, "bar.json", 80),
        (BLIND, "bar_blind.json", 100),
        (EVERYDAY, "bar_everyday.json", 80),
    ],
    ids=["tuning", "blind", "everyday"],
)
def test_evaluation_meets_the_bar(
    index_dir: Path, tmp_path: Path, questions: list[Path], bar: str, at_least: int
) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant.eval",
            *map(str, questions),
            "--corpus",
            str(CORPUS),
            "--data-dir",
            str(index_dir),
            "--bar",
            str(EVAL / bar),
            "--details",
            str(tmp_path / "details.jsonl"),
        ],
        capture_output=True,
        text=True,
        timeout=EVAL_TIMEOUT,
    )
    print(result.stdout)
    print(result.stderr[-3000:])
    assert result.returncode == 0, "below the bar: " + result.stderr[-1500:]
    summary = json.loads(result.stdout)
    assert summary["questions"] >= at_least
    ours = summary["results"][0]
    assert ours["citation_accuracy"] == 1.0
