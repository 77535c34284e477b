"""Hostile questions through `python -m assistant ask` and the app's chat handler.

A 100 KB question, control characters and HTML/JS: an answer or a clear message, never a crash,
and nothing of the question reaches the page or the terminal unescaped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.chat import MAX_QUESTION_CHARS
from tests.app.conftest import make_services
from tests.hostile.helpers import run_module
from ui.chat import ChatHandlers
from ui.services import Services
from vectorstore.embeddings import Embedder

# "many" is in no indexed text: a question word, not a topic, so it must not cause a refusal.
ASK = "How many beds did the shelter in Skopje offer?"
QUESTIONS = {
    "100-kb": ASK + " shelter beds Skopje" * 5400,
    "controls": f"\x00{ASK[:13]}\x1b[31m{ASK[13:30]}\x07\x08\x7f{ASK[30:]}\x1b[0m",
    "html-js": f'<script>alert("q")</script><img src=x onerror=alert(1)> {ASK}',
    "only-controls": "\x00\x1b\x07 \t\x7f",
}
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # what could drive a terminal
RAW = re.compile(rf"{CONTROL.pattern}|<script|<img")  # ...or a page


@pytest.fixture(scope="module")
def index(small_index: Path) -> Path:
    """The session's small index: a handbook and a shelter report with markup in its text."""
    return small_index


@pytest.fixture(scope="module")
def services(index: Path, embedder: Embedder) -> Services:
    return make_services(index, embedder)


def test_the_100_kb_question_is_100_kb() -> None:
    assert len(QUESTIONS["100-kb"].encode()) > 100_000


@pytest.mark.parametrize("case", list(QUESTIONS))
def test_chat_handler_answers_and_escapes_hostile_questions(services: Services, case: str) -> None:
    updates = list(ChatHandlers(services).respond(QUESTIONS[case], []))

    messages, exchanges, box = updates[-1]
    assert box == ""
    for update in updates:  # every intermediate render too, not just the last
        for message in update[0]:
            assert not RAW.search(message["content"]), message["content"][:300]
    if case == "only-controls":
        assert (messages, exchanges) == ([], [])
        return
    exchange = exchanges[-1]
    assert exchange.error is None and exchange.answer is not None
    assert len(exchange.question) <= MAX_QUESTION_CHARS
    # The 100 KB question is cut at a word boundary and escape sequences go whole, so no
    # stub like "Skop" or "[31m" is left to look like an unknown topic.
    assert not exchange.answer.refused
    assert "42 beds" in exchange.answer.text
    question_html = messages[-2]["content"]
    if case == "html-js":
        assert "&lt;script&gt;alert(&quot;q&quot;)&lt;/script&gt;" in question_html
        assert "&lt;img src=x onerror=alert(1)&gt;" in question_html
    assert len(question_html) < 2 * MAX_QUESTION_CHARS


def test_a_bidi_override_in_the_question_is_not_rendered(services: Services) -> None:
    messages, _, _ = list(ChatHandlers(services).respond(f"{ASK}\u202e?seirtnuoc", []))[-1]

    assert "\u202e" not in messages[-2]["content"]


def test_assistant_cli_takes_a_100_kb_hostile_question_as_an_argument(
    index: Path, tmp_path: Path
) -> None:
    question = QUESTIONS["html-js"] + QUESTIONS["controls"][1:] + QUESTIONS["100-kb"]

    done = run_module("assistant", ["ask", "--json", "--data-dir", str(index), question], tmp_path)

    assert done.returncode == 0, done.stderr[-2000:]
    # JSON carries document text verbatim ("<script>" in a quote is data); the app escapes it.
    assert not CONTROL.search(done.stdout.replace("\n", " "))
    answer = json.loads(done.stdout)
    assert "42 beds" in answer["answer"] and not answer["refused"]
    assert answer["sources"] and all(s["quote"] for s in answer["sources"])


def test_assistant_cli_batch_with_nul_and_escape_characters(index: Path, tmp_path: Path) -> None:
    """NUL cannot be passed in argv, so it comes through a --batch file, as JSON allows."""
    batch = tmp_path / "questions.jsonl"
    lines = [json.dumps({"id": case, "question": q}) for case, q in QUESTIONS.items()]
    batch.write_text("\n".join([*lines, "{not json\x00", '{"id": 5}']) + "\n", encoding="utf-8")

    done = run_module(
        "assistant", ["ask", "--batch", str(batch), "--data-dir", str(index)], tmp_path
    )

    assert done.returncode == 0, done.stderr[-2000:]
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o.get("id") for o in out] == [*QUESTIONS, None, 5]
    assert all(o["answer"] for o in out[:2])  # an answer or a refusal: see the chat test
    assert not out[2]["refused"] and "42 beds" in out[2]["answer"]
    assert out[3]["answer"] == "Please type a question." and out[3]["refused"]
    assert out[4]["error"].startswith("line 5: ") and out[5]["error"].startswith("line 6: ")
    assert "\x00" not in done.stdout and "\x1b" not in done.stdout
