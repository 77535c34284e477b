"""`python -m assistant ask` on a real index: one test runs the real process, the others run
in process on the session's model (tests/cli.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from ingest.sources import from_path
from tests.cli import run_cli
from tests.pdf_factory import text_pdf
from vectorstore.client import connect
from vectorstore.embeddings import Embedder
from vectorstore.settings import StoreSettings
from vectorstore.store import Store

ROOT = Path(__file__).resolve().parents[2]
ANSWER_KEYS = {"answer", "refused", "why", "sources"}  # why: the judge's reasons
SOURCE_KEYS = {"n", "kind", "id", "title", "year", "page", "page_label", "quote", "url"}
BROKERS = "How did brokers recruit kidney donors?"
FOLLOW_UP = "And what does it recommend?"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """An index of two small studies and the milestones, written once and only read."""
    root = tmp_path_factory.mktemp("cli")
    data = root / "data"
    store = Store(connect(StoreSettings.from_env({}, data_dir=data)), embedder)
    pipeline = Pipeline(store, IngestSettings.from_env({}), data)
    organ = text_pdf(
        root / "organ.pdf",
        [
            "Trafficking for Organ Removal in Egypt",
            "Brokers recruited kidney donors in Cairo through advertisements in local "
            "newspapers. Most donors received less than half of the payment they had been "
            "promised.",
            "Recommendations. Hospitals should verify the consent of every living donor with an "
            "independent committee.",
        ],
    )
    labour = text_pdf(
        root / "labour.pdf",
        [
            "Training Manual for Labour Inspectors",
            "Labour inspectors in Portugal visited 412 strawberry farms during the harvest season.",
        ],
    )
    report = pipeline.ingest(
        [
            from_path(organ, title="Trafficking for Organ Removal in Egypt", year=2013),
            from_path(labour, title="Training Manual for Labour Inspectors", year=2019),
        ]
    )
    assert not report.failures
    pipeline.ingest_milestones()
    return data


def ask(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m assistant ask args`, in process."""
    return run_cli("assistant", ["ask", *args], cwd, **env)


def run_process(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The real entry point, with no ATP_* settings but those given (and no .env around).

    PYTHONPATH names this checkout: from another folder `-m assistant` would otherwise import
    whichever copy happens to be pip-installed.
    """
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ATP_")}
    path = os.pathsep.join(p for p in (str(ROOT), clean.get("PYTHONPATH", "")) if p)
    return subprocess.run(
        # -X importtime lists every module the process imported, on stderr
        [sys.executable, "-X", "importtime", "-m", "assistant", "ask", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**clean, "PYTHONPATH": path, **env},
        timeout=300,
    )


@pytest.mark.slow  # the real process: the model loads again
@pytest.mark.timeout(300)
def test_json_prints_one_object_with_the_promised_keys(data_dir: Path, tmp_path: Path) -> None:
    result = run_process(["--json", BROKERS, "--data-dir", str(data_dir)], tmp_path)

    assert result.returncode == 0, result.stderr
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines()}
    assert "torch" not in imported  # the default backend answers without PyTorch
    assert "onnxruntime" in imported  # and the check can fail: what it did import is listed
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    out = json.loads(lines[0])
    assert set(out) == ANSWER_KEYS
    assert out["refused"] is False
    assert out["why"] and all(isinstance(w, str) and w for w in out["why"])
    assert out["sources"]
    assert all(set(s) == SOURCE_KEYS for s in out["sources"])
    first = out["sources"][0]
    assert (first["n"], first["kind"], first["id"], first["year"], first["page"]) == (
        1,
        "publication",
        "organ",
        2013,
        2,
    )
    assert "Brokers recruited kidney donors in Cairo" in first["quote"]
    assert "[1]" in out["answer"]


def test_batch_prints_one_object_per_line_in_order(data_dir: Path, tmp_path: Path) -> None:
    organ_turn = [{"role": "user", "content": BROKERS}, {"role": "assistant", "content": "..."}]
    batch = tmp_path / "questions.jsonl"
    batch.write_text(
        "\n".join(
            [
                json.dumps({"id": "q1", "question": BROKERS}),
                "",
                json.dumps({"id": "q2", "question": FOLLOW_UP, "history": organ_turn}),
                json.dumps({"id": "q3", "question": FOLLOW_UP}),
                "this is not json",
                json.dumps({"id": "q5", "history": organ_turn}),
                json.dumps({"id": "q6", "question": BROKERS, "history": [{"role": "system"}]}),
                json.dumps(["a", "list"]),
                json.dumps({"id": 7, "question": "What happened in 2017?"}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )

    result = ask(["--batch", str(batch), "--data-dir", str(data_dir)], tmp_path)

    assert result.returncode == 0, result.stderr
    outs = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert [o["id"] for o in outs] == ["q1", "q2", "q3", None, "q5", "q6", None, 7]
    answered = [o for o in outs if "error" not in o]
    assert [o["id"] for o in answered] == ["q1", "q2", "q3", 7]
    assert all(set(o) == {"id"} | ANSWER_KEYS for o in answered)
    errors = {o["id"]: o["error"] for o in outs if "error" in o}
    assert set(errors) == {None, "q5", "q6"}
    assert errors["q5"].startswith("line 6:")  # blank lines still count
    assert "role" in errors["q6"]
    assert all(set(o) == {"id", "error"} for o in outs if "error" in o)

    q1, q2, q3, q7 = answered
    assert q1["sources"][0]["id"] == "organ"
    # the history is honoured: the same follow-up is only answerable after the organ question
    assert q2["refused"] is False
    assert q2["sources"][0]["id"] == "organ"
    assert q3["refused"] is True
    assert q7["sources"][0]["id"] == "ms-2017-icat-member"


def test_an_unknown_backend_in_the_environment_exits_2(data_dir: Path, tmp_path: Path) -> None:
    result = ask(["--json", BROKERS, "--data-dir", str(data_dir)], tmp_path, ATP_BACKEND="gpt-17")

    assert result.returncode == 2
    assert result.stdout == ""
    assert "ATP_BACKEND='gpt-17'" in result.stderr
    assert "extractive" in result.stderr


def test_the_reader_named_in_the_environment_reads_the_answer(
    data_dir: Path, tmp_path: Path
) -> None:
    """ATP_READER reaches the assistant (it once was read and never used): the shipped reader
    answers, and a name that loads nothing exits 2 saying what to set, not with a traceback."""
    plain = ask(["--json", BROKERS, "--data-dir", str(data_dir)], tmp_path, ATP_READER="none")
    read = ask(["--json", BROKERS, "--data-dir", str(data_dir)], tmp_path, ATP_READER="atp-minilm")
    wrong = ask(
        ["--json", BROKERS, "--data-dir", str(data_dir)],
        tmp_path,
        ATP_READER=str(tmp_path / "no-such-reranker"),
        HF_HUB_OFFLINE="1",
    )

    assert plain.returncode == 0 and read.returncode == 0, plain.stderr + read.stderr
    assert json.loads(read.stdout)["sources"][0]["id"] == "organ"
    assert wrong.returncode == 2 and wrong.stdout == ""
    assert "ATP_READER" in wrong.stderr and "Traceback" not in wrong.stderr


def test_a_question_and_a_batch_together_are_a_usage_error(tmp_path: Path) -> None:
    batch = tmp_path / "b.jsonl"
    batch.write_text("{}\n", encoding="utf-8")

    result = ask([BROKERS, "--batch", str(batch), "--data-dir", str(tmp_path)], tmp_path)

    assert result.returncode == 2
    assert "not both" in result.stderr
