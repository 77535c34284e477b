"""The load script against the real app: 20 sessions over 127.0.0.1 while an upload ingests."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.answer import Answer
from tests.pdf_factory import text_pdf
from tests.small_index import build_index, make_pdfs
from ui import render
from vectorstore.embeddings import Embedder

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "load_test.py"


def load_script():
    spec = importlib.util.spec_from_file_location("load_test", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_replies_are_told_apart() -> None:
    """The script counts only checked answers and refusals as answered."""
    outcome_of = load_script().outcome_of
    answer = Answer(question="q", text="It did [1].", refused=False, sources=[])
    refusal = Answer(
        question="q", text="The publications do not cover it.", refused=True, sources=[]
    )
    user = {"role": "user", "content": "q"}

    def reply(html: str) -> tuple:
        return [user, {"role": "assistant", "content": html}], ""

    assert outcome_of(reply(render.answer_html(answer, 0)))[0] == "answered"
    assert outcome_of(reply(render.answer_html(refusal, 0)))[0] == "refused"
    assert outcome_of(reply(render.error_html("The index cannot be reached")))[0] == "error"
    assert outcome_of(reply(render.pending_html("It d")))[0] == "failed"
    assert outcome_of(None)[0] == "failed"


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_twenty_sessions_are_all_answered_while_an_upload_ingests(
    tmp_path: Path, embedder: Embedder
) -> None:
    index = tmp_path / "index"
    build_index(index, make_pdfs(tmp_path / "pdfs"), embedder)
    upload = text_pdf(
        tmp_path / "hotline-review.pdf",
        ["Hotline review", "The Tirana hotline answered 913 calls in its first year. " * 40] * 6,
        title="Hotline review",
    )
    out = tmp_path / "load.json"
    cmd = [sys.executable, str(SCRIPT), "--data-dir", str(index), "--sessions", "20"]
    cmd += ["--duration", "20", "--ingest-during", str(upload), "--json", str(out)]

    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's packages, not an install's
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=540)

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["questions"] >= 20 and report["errors"] == report["failed"] == 0
    assert report["answered"] + report["refused"] == report["questions"]
    assert len({p["session"] for p in report.get("problems", [])}) == 0
    assert report["upload"]["listed"] and "added" in report["upload"]["message"]
    assert report["during_ingest"]["questions"] > 0
    assert report["peak_rss_mib"] > 0
