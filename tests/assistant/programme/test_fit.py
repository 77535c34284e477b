"""`python -m assistant.programme.fit` on the records alone: it writes a judge the records
stage loads, with every feature weighed, the `asks` model over the embedding and a threshold
chosen out of fold."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from assistant.programme.fit import main
from assistant.programme.judge import FEATURES
from tests.assistant.programme.conftest import records_store
from vectorstore.embeddings import Embedder

QUESTIONS = Path(__file__).parents[3] / "eval" / "programme_questions.jsonl"


def test_the_fit_writes_a_judge_with_every_feature_and_the_asks_model(
    tmp_path: Path, embedder: Embedder
) -> None:
    records_store(tmp_path, embedder)
    out = tmp_path / "judge.json"

    result = CliRunner().invoke(
        main, [str(QUESTIONS), "--data-dir", str(tmp_path / "data"), "--out", str(out)]
    )

    assert result.exit_code == 0, result.output
    judge = json.loads(out.read_text())
    assert set(judge["weights"]) == set(FEATURES)
    assert len(judge["asks"]["weights"]) == embedder.encode(["x"]).shape[1]
    assert 0.0 < judge["threshold"] < 1.0
    assert "programme_questions.jsonl: 28 questions" in judge["about"]
