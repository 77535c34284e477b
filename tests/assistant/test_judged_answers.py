"""The judge and the answer composer inside Assistant.ask, on test_chat's generated library:
reasons reach the JSON and the refusal, a reader is one more feature, misspelt words and a
question that stands on its own after another are answered as if typed right and alone."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from assistant.answer import NOT_COVERED
from assistant.backends.extractive import ExtractiveBackend
from assistant.chat import Assistant
from assistant.prompt import Turn
from tests.assistant.test_chat import assistant, index, library  # noqa: F401 (fixtures)
from vectorstore.store import Store


class KeywordReader:
    """A stand-in for assistant.reading's cross-encoder, which another branch delivers: it
    scores a sentence 1 when it holds the word it looks for. It records what it was asked."""

    def __init__(self, word: str) -> None:
        self.word = word
        self.calls: list[tuple[str, list[str]]] = []

    def score(self, question: str, sentences: Sequence[str]) -> list[float]:
        self.calls.append((question, list(sentences)))
        return [float(self.word in s) for s in sentences]


def test_the_judges_reasons_reach_the_json_and_a_refusal_says_one_line(
    assistant: Assistant,  # noqa: F811
) -> None:
    answered = assistant.ask("How did brokers recruit kidney donors?")
    refused = assistant.ask("What is the phone number of the Zanzibar shelter?")

    assert answered.to_json()["why"] and not answered.refused
    assert refused.refused and refused.to_json()["why"]
    reason = refused.why[0]
    assert refused.text.startswith(f"{NOT_COVERED} ({reason[0].upper()}{reason[1:]}.)")


def test_a_reader_is_asked_once_and_its_score_is_a_feature(index: Store) -> None:  # noqa: F811
    reader = KeywordReader("newspapers")
    with_reader = Assistant(index, ExtractiveBackend(), reader=reader)

    found = with_reader.search("How did brokers recruit kidney donors?")
    answer = with_reader.ask("How did brokers recruit kidney donors?")

    assert found is not None and found.features["reader"] == 1.0
    assert "newspapers" in answer.text
    assert len(reader.calls) == 2  # one per search: the judge and the answer share it


def test_without_a_reader_there_is_no_reader_feature(assistant: Assistant) -> None:  # noqa: F811
    found = assistant.search("How did brokers recruit kidney donors?")

    assert found is not None and "reader" not in found.features


def test_misspelt_words_are_answered_as_if_typed_right(assistant: Assistant) -> None:  # noqa: F811
    right = assistant.ask("How did brokers recruit kidney donors?")
    misspelt = assistant.ask("how did brokres recruit kidny donors")

    assert not misspelt.refused
    assert misspelt.sources[0].quote == right.sources[0].quote


KIDNEY_DONORS = (
    Turn("user", "How did brokers recruit kidney donors in Egypt?"),
    Turn("assistant", "Through advertisements in local newspapers [1]."),
)


@pytest.mark.parametrize(
    "question",
    [
        "How many strawberry farms did their labour inspectors visit in Portugal?",
        # three words are too few to tell a follow-up by length: both readings are judged
        "strawberry farms visited?",
    ],
)
def test_a_question_that_stands_on_its_own_is_not_merged_with_the_one_before(
    assistant: Assistant,  # noqa: F811
    question: str,
) -> None:
    after = assistant.ask(question, KIDNEY_DONORS)
    alone = assistant.ask(question)

    assert not alone.refused, alone.text
    assert after.text == alone.text
    assert "412 strawberry farms" in after.text and "Read together" not in after.text


def test_a_short_question_on_the_page_the_conversation_found_is_answered_on_its_own_words(
    assistant: Assistant,  # noqa: F811
) -> None:
    """Its few words find the page the question before found: that page answers, and its own
    words choose the sentence, not the question before's."""
    history = (
        Turn("user", "How did brokers recruit kidney donors in Cairo?"),
        Turn("assistant", "Through advertisements in local newspapers [1]."),
    )

    answer = assistant.ask("payment promised?", history)

    assert not answer.refused, answer.text
    assert answer.text.startswith("Most donors received less than half of the payment"), answer.text


def test_a_follow_up_read_with_the_question_before_says_so(
    assistant: Assistant,  # noqa: F811
) -> None:
    history = (
        Turn("user", "How did brokers recruit kidney donors in Egypt?"),
        Turn("assistant", "Through advertisements in local newspapers [1]."),
    )

    answer = assistant.ask("And what did they promise them?", history)

    assert answer.text.endswith(
        "(Read together with your previous question: “How did brokers recruit kidney donors in "
        "Egypt?”.)"
    )


def test_a_follow_up_asking_its_own_year_is_judged_on_that_year(
    assistant: Assistant,  # noqa: F811
) -> None:
    """ "and in 2031?" after a question on the 2008 pilot: the page that names 2008 does not
    hold the year now asked."""
    earlier = "Where was the transnational referral mechanism first piloted in 2008?"
    history = [Turn("user", earlier), Turn("assistant", "In Albania and Moldova. [1]")]

    later = assistant.search("and in 2031?", history)
    same = assistant.search("and in 2008?", history)

    assert later is not None and later.features["absent_year"] == 1.0
    assert same is not None and same.features["absent_year"] == 0.0
