"""`python -m assistant.programme.fit` on the records alone: it writes a judge the records
stage loads, with every feature weighed, the `asks` and `topic` models over the embedding, a
threshold chosen out of fold, and never a blind set among what it fitted on."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from assistant.programme.fit import main
from assistant.programme.judge import FEATURES
from tests.assistant.programme.conftest import records_store
from vectorstore.embeddings import Embedder

EVAL = Path(__file__).parents[3] / "eval"
SETS = f"""
[sets.programme]
file = "{EVAL / "programme_questions.jsonl"}"
status = "training"
kind = "programme"

[sets.heldout]
file = "{EVAL / "heldout_questions.jsonl"}"
status = "training"
kind = "corpus"

[sets.progblind3]
file = "{EVAL / "progblind3_questions.jsonl"}"
status = "blind"
kind = "programme"
"""


def test_the_fit_writes_a_judge_with_every_feature_and_the_asks_model(
    tmp_path: Path, embedder: Embedder
) -> None:
    records_store(tmp_path, embedder)
    out, sets = tmp_path / "judge.json", tmp_path / "sets.toml"
    sets.write_text(SETS)

    result = CliRunner().invoke(
        main, ["--data-dir", str(tmp_path / "data"), "--sets", str(sets), "--out", str(out)]
    )

    assert result.exit_code == 0, result.output
    judge = json.loads(out.read_text())
    assert set(judge["weights"]) == set(FEATURES)
    assert len(judge["asks"]["weights"]) == embedder.encode(["x"]).shape[1]
    assert 0.0 < judge["threshold"] < 1.0
    assert len(judge["topic"]["weights"]) == len(judge["asks"]["weights"])
    assert -10.0 < judge["topic"]["cut"] < 10.0
    assert "programme_questions.jsonl, heldout_questions.jsonl: 48 questions" in judge["about"]


def test_the_fit_refuses_blind_sets(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "--status", "blind"])
    assert result.exit_code != 0
    assert "never fitted on" in result.output
