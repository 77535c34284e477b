"""Issue #20's handler-level pieces, called directly (the browser flows are in test_ui_flows)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from assistant.retrieval.keyword import KeywordIndex
from ui import render
from ui.chat import STOPPED, ChatHandlers, Exchange, restored, saved
from ui.feedback import FeedbackLog
from ui.library import parse_year
from ui.services import Services

QUESTION = "Where was the transnational referral mechanism first piloted?"


def marked(html: str) -> set[str]:
    return {m.lower() for m in re.findall(r"<mark>([^<]+)</mark>", html)}


def test_highlight_keeps_the_rare_words_of_a_long_question(services: Services) -> None:
    index: KeywordIndex = services.retriever.keyword_index()
    question = (
        "In which countries was the referral mechanism for victims of trafficking first "
        "piloted by the programme, and who accompanied the victims at the border?"
    )
    quote = (
        "The transnational referral mechanism was first piloted in Albania and Moldova in "
        "March 2008. Caseworkers accompanied each returning victim from the border crossing."
    )

    everything = marked(render.highlight(quote, question))
    rare = marked(render.highlight(quote, question, index.idf))

    assert {"victim", "first", "border"} <= everything
    assert rare and rare < everything and len(rare) <= 4
    common = [t for t in render.distinctive(question) if index.idf(t) < render.COMMON_IDF]
    assert not set(common) & render.distinctive(question, index.idf)


def test_a_short_question_keeps_all_its_words() -> None:
    assert render.distinctive("referral mechanism", lambda t: 5.0) == {"referral", "mechanism"}


def test_conversation_round_trips_through_the_browser_copy(services: Services) -> None:
    chat = ChatHandlers(services)
    *_, (shown, done, _) = chat.respond(QUESTION, [])
    data = json.loads(json.dumps(saved(done)))  # what localStorage holds

    back = restored(data)

    assert back == done
    assert chat.reopen(data)[0] == shown
    assert restored([{"question": "q"}, "junk", {"answer": {"text": 1}}, None]) == []


def test_stop_marks_the_running_question_and_keeps_it(services: Services) -> None:
    chat = ChatHandlers(services)
    running = [Exchange("first", error="x"), Exchange("second", partial="half an ans")]

    shown, done = chat.stop(running)

    assert [e.question for e in done] == ["first", "second"]
    assert done[-1].error == STOPPED and done[-1].partial is None
    assert "Stopped before the answer was finished" in shown[-1]["content"]
    assert saved(done)[-1]["error"] == STOPPED


def test_thumbs_and_comment_are_stored_with_the_answer(services: Services, tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path)
    chat = ChatHandlers(services, log)
    *_, (_, done, _) = chat.respond(QUESTION, [])

    assert chat.rate(done, 0, True) is None  # index 0 is the question
    rating = chat.rate(done, 1, False)
    assert chat.rate(done, 1, None) is None  # a thumb taken back stores nothing
    chat.comment(rating, "  Name the year.  ")

    [entry] = log.entries()
    assert (entry.rating, entry.comment, entry.question) == ("down", "Name the year.", QUESTION)
    assert entry.answer == done[0].answer.text
    assert [s["n"] for s in entry.sources] == [s.n for s in done[0].answer.sources]
    assert len((tmp_path / "feedback.jsonl").read_text().splitlines()) == 2  # append-only


def test_year_field_is_empty_unless_a_year_is_typed() -> None:
    assert parse_year("") is None and parse_year(None) is None and parse_year(" 2016 ") == 2016
    for bad in ("20x6", "1066"):
        try:
            parse_year(bad)
        except ValueError as exc:
            assert bad in str(exc)
        else:
            raise AssertionError(f"{bad!r} was accepted")
