"""Follow-ups are searched together with the question they lean on; others are left alone."""

from __future__ import annotations

import pytest

from assistant.conversation.followup import earlier_question, is_followup, with_earlier
from assistant.prompt import Turn

HISTORY = (
    Turn("user", "What does the organ removal study say about Egypt?"),
    Turn("assistant", "It describes brokers recruiting donors in Cairo [1]."),
)


@pytest.mark.parametrize(
    "question",
    [
        "When was it published?",
        "And who wrote the report?",
        "What about Austria?",
        "Why?",
        "Does that handbook cover children?",
        "Who funded them?",
        "OK, and what about begging?",
        "How young was the youngest one?",
        "any numbers for Burkina Faso?",
    ],
)
def test_follow_ups_are_recognised(question: str) -> None:
    assert is_followup(question)


@pytest.mark.parametrize(
    "question",
    [
        "What are national referral mechanisms for victims of trafficking?",
        "How many victims were identified in Austria in 2019?",
        "Which guidelines cover labour exploitation in agriculture?",
    ],
)
def test_self_contained_questions_are_not_follow_ups(question: str) -> None:
    assert not is_followup(question)


def standalone_question(question: str, history: tuple[Turn, ...]) -> str:
    return with_earlier(question, earlier_question(question, history))


def test_a_follow_up_carries_the_previous_user_question() -> None:
    standalone = standalone_question("When was it published?", HISTORY)

    assert standalone.startswith("When was it published?")
    assert "What does the organ removal study say about Egypt?" in standalone
    assert "brokers" not in standalone  # the assistant's words are not a question


def test_the_latest_user_turn_is_used() -> None:
    history = (
        Turn("user", "What is the transnational referral mechanism?"),
        Turn("assistant", "A cooperation agreement [1]."),
        *HISTORY,
    )

    standalone = standalone_question("Who wrote it?", history)

    assert "organ removal" in standalone
    assert "transnational" not in standalone


def test_a_self_contained_question_is_unchanged_despite_history() -> None:
    question = "What are national referral mechanisms for victims of trafficking?"

    assert standalone_question(question, HISTORY) == question


def test_without_history_a_follow_up_is_unchanged() -> None:
    assert standalone_question("When was it published?", ()) == "When was it published?"
    only_answers = (Turn("assistant", "Hello."), Turn("user", "   "))
    assert standalone_question("When was it published?", only_answers) == "When was it published?"


def test_a_very_long_previous_question_is_cut() -> None:
    history = (Turn("user", "trafficking " * 400),)

    standalone = standalone_question("And then?", history)

    assert len(standalone) < 600
