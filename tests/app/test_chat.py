"""The Chat tab's handlers, called directly: streaming, sources, errors in words, recovery."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from assistant.chat import MAX_QUESTION_CHARS
from tests.app.conftest import make_services
from ui.chat import ChatHandlers, Exchange, make_filters
from ui.services import Services
from vectorstore.embeddings import Embedder
from vectorstore.errors import StoreUnavailable

QUESTION = "Where was the transnational referral mechanism first piloted?"


def run(handlers: ChatHandlers, question: str, exchanges=None, *options):
    return list(handlers.respond(question, exchanges or [], *options))


def test_answer_with_sources_for_a_corpus_question(services: Services) -> None:
    updates = run(ChatHandlers(services), QUESTION)

    messages, exchanges, box = updates[-1]
    answer = exchanges[-1].answer
    assert box == ""
    assert answer is not None and not answer.refused
    assert "Albania and Moldova" in answer.text
    cited = [s for s in answer.sources if s.doc_id == "referral-handbook"]
    assert [(s.page, s.page_label, s.year) for s in cited] == [(3, "2", 2008)]
    html = messages[-1]["content"]
    assert messages[-2] == {
        "role": "user",
        "content": f'<div class="atp-question">{QUESTION}</div>',
    }
    assert 'href="/viewer?doc=referral-handbook&amp;page=3&amp;label=2&amp;q=' in html
    assert "Handbook on Transnational Referral" in html and "p. 3 (printed 2)" in html
    assert "<mark>transnational</mark>" in html


def test_the_answer_streams_before_the_checked_one_replaces_it(services: Services) -> None:
    updates = run(ChatHandlers(services), QUESTION)

    contents = [u[0][-1]["content"] for u in updates]
    assert "Searching the publications" in contents[0]
    streamed = [c for c in contents if "atp-streaming" in c and "Albania" in c]
    assert streamed, "no piece of the backend's text was shown before the final answer"
    assert "atp-streaming" not in contents[-1] and "atp-sources" in contents[-1]
    # While it streams, the state holds the running question (so Stop can mark it), unanswered.
    assert all([e.answer for e in u[1]] == [None] for u in updates[:-1])
    assert updates[-1][1][-1].answer is not None


def test_script_in_a_document_renders_as_text(services: Services) -> None:
    messages, exchanges, _ = run(ChatHandlers(services), "What did the shelter in Skopje offer?")[
        -1
    ]

    answer = exchanges[-1].answer
    assert answer is not None and not answer.refused and "42 beds" in answer.text
    assert any("<script>" in s.quote for s in answer.sources)
    html = messages[-1]["content"]
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in html


def test_follow_up_uses_the_conversation(services: Services) -> None:
    handlers = ChatHandlers(services)
    _, first, _ = run(handlers, QUESTION)[-1]

    _, both, _ = run(handlers, "Who accompanied each returning victim there?", first)[-1]

    assert len(both) == 2 and both[0] is first[0]
    assert both[1].answer is not None and "Caseworkers" in both[1].answer.text


def test_empty_and_huge_questions(services: Services) -> None:
    handlers = ChatHandlers(services)
    assert run(handlers, "  \x00 ") == [([], [], "")]

    huge = "shelter beds Skopje " + "x" * 50_000 + "\x07<script>"
    _, exchanges, _ = run(handlers, huge)[-1]

    # Cut at the last word boundary before MAX_QUESTION_CHARS: the 50,000-letter "word" goes.
    assert exchanges[-1].question == "shelter beds Skopje"
    assert exchanges[-1].answer is not None and "42 beds" in exchanges[-1].answer.text
    _, exchanges, _ = run(handlers, "x" * 50_000)[-1]
    assert exchanges[-1].question == "x" * MAX_QUESTION_CHARS  # no boundary: a hard cut


def test_retry_asks_the_last_question_again_and_clear_empties(services: Services) -> None:
    handlers = ChatHandlers(services)
    _, exchanges, _ = run(handlers, QUESTION)[-1]

    _, again, _ = list(handlers.retry(exchanges))[-1]

    assert [e.question for e in again] == [QUESTION]
    assert again[0].answer is not None and again[0].answer.text == exchanges[0].answer.text
    assert handlers.clear() == ([], [], "")


def test_the_copy_button_copies_the_answer_as_text(services: Services) -> None:
    messages, exchanges, _ = run(ChatHandlers(services), QUESTION)[-1]

    copy = re.search(r'<pre class="atp-copytext">(.*?)</pre>', messages[-1]["content"])

    assert copy is not None
    text = html.unescape(copy.group(1))
    assert text == exchanges[-1].answer.as_text() and "Sources:" in text


def test_filters_reach_retrieval(services: Services) -> None:
    handlers = ChatHandlers(services)

    _, exchanges, _ = run(handlers, QUESTION, [], "extractive", 2014, 2030, [])[-1]

    answer = exchanges[-1].answer
    assert answer is not None
    assert all(s.doc_id != "referral-handbook" for s in answer.sources)


def test_make_filters_reads_slider_ends_as_no_limit() -> None:
    assert make_filters(2000, 2030, []) == make_filters(None, None, None)
    assert make_filters(2000, 2030, []).year_from is None
    f = make_filters(2019, 2005, ["study"])
    assert (f.year_from, f.year_to, f.types) == (2005, 2019, ("study",))


def test_store_down_shows_words_and_recovers_without_restart(
    app_index: Path, embedder: Embedder
) -> None:
    working = make_services(app_index, embedder)
    down = {"now": True}

    def flaky(settings):
        if down["now"]:
            raise StoreUnavailable("cannot reach the Chroma server at 127.0.0.1:1 (ConnectError)")
        return working.index_factory(settings)

    services = make_services(app_index, embedder)
    services.index_factory = flaky
    handlers = ChatHandlers(services)

    messages, exchanges, _ = run(handlers, QUESTION)[-1]
    assert (
        exchanges[-1].error is not None
        and "cannot reach the Chroma server" in messages[-1]["content"]
    )
    assert "Traceback" not in messages[-1]["content"]

    down["now"] = False
    _, again, _ = list(handlers.retry(exchanges))[-1]
    assert again[-1].answer is not None and not again[-1].answer.refused


def test_an_unexpected_error_is_reported_in_words(services: Services, monkeypatch) -> None:
    handlers = ChatHandlers(services)

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(services, "assistant", broken)
    messages, exchanges, _ = run(handlers, QUESTION)[-1]

    assert exchanges[-1] == Exchange(QUESTION, error=exchanges[-1].error)
    assert "Something went wrong while answering (ZeroDivisionError" in messages[-1]["content"]


@pytest.mark.parametrize("backend", [None, "no-such-backend"])
def test_unknown_backend_choice_falls_back_to_the_configured_one(
    services: Services, backend: str | None
) -> None:
    _, exchanges, _ = run(ChatHandlers(services), QUESTION, [], backend)[-1]

    assert exchanges[-1].answer is not None and exchanges[-1].answer.backend == "extractive"


@pytest.fixture
def own_server(tmp_path: Path):
    """A Chroma server only this test uses, so stopping it cannot hurt any other test."""
    from tests.vectorstore.chroma_server import ChromaServer

    server = ChromaServer(tmp_path / "server-db").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.server
def test_chroma_server_down_then_back_in_the_chat(
    own_server, tmp_path: Path, embedder: Embedder, app_pdfs: dict[str, Path]
) -> None:
    from ingest.sources import from_path

    services = make_services(
        tmp_path / "data",
        embedder,
        chroma_mode="server",
        chroma_host=own_server.host,
        chroma_port=own_server.port,
        collection="appchat",
    )
    with services.ingesting("adding a handbook") as store:
        doc = from_path(app_pdfs["referral-handbook"], doc_id="referral-handbook")
        services.pipeline(store).ingest([doc])
    handlers = ChatHandlers(services)
    _, first, _ = run(handlers, QUESTION)[-1]
    assert first[-1].answer is not None and not first[-1].answer.refused

    own_server.stop()
    messages, down, _ = run(handlers, QUESTION, first)[-1]

    assert down[-1].error is not None
    assert "the Chroma server stopped answering" in messages[-1]["content"]
    assert "press Retry" in messages[-1]["content"]

    own_server.start()  # same path and port: no restart of the app
    _, back, _ = list(handlers.retry(down))[-1]

    assert [e.question for e in back] == [QUESTION, QUESTION]
    assert back[-1].answer is not None and "Albania and Moldova" in back[-1].answer.text


def test_chat_answers_while_an_ingest_runs(fresh_index) -> None:
    services = fresh_index()
    with services.ingesting("a long upload"):
        _, exchanges, _ = run(ChatHandlers(services), QUESTION)[-1]

    assert exchanges[-1].answer is not None and not exchanges[-1].answer.refused
