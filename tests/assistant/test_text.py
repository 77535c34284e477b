"""Sentences are exact substrings (quotes depend on it); tokens meet across inflections."""

from __future__ import annotations

import pytest

from assistant.text import sentence_spans, sentence_start, sentences, stem, tokens, words

REPORT = (
    "Under Art. 273f of the Criminal Code, forced labour is punishable. "
    "Some forms, e.g. domestic servitude, are hidden. "
    "See No. 5 of the list of indicators!  Was anyone convicted? "
    '"Nobody was." Dr. Weiss agreed (p. 12). '
    "The U.S. report followed in 2010. 2011 brought the next one."
)


def test_sentences_are_split_at_full_stops_and_not_after_abbreviations() -> None:
    assert sentences(REPORT) == [
        "Under Art. 273f of the Criminal Code, forced labour is punishable.",
        "Some forms, e.g. domestic servitude, are hidden.",
        "See No. 5 of the list of indicators!",
        "Was anyone convicted?",
        '"Nobody was."',
        "Dr. Weiss agreed (p. 12).",
        "The U.S. report followed in 2010.",
        "2011 brought the next one.",
    ]


def test_every_sentence_span_is_an_exact_trimmed_substring() -> None:
    text = "  Victims were identified.\n\nThey were   referred. E.g., to shelters.  "
    spans = list(sentence_spans(text))

    assert [text[s:e] for s, e in spans] == [
        "Victims were identified.",
        "They were   referred.",
        "E.g., to shelters.",
    ]
    assert all(not text[s].isspace() and not text[e - 1].isspace() for s, e in spans)
    assert spans == sorted(spans)


@pytest.mark.parametrize(
    "text",
    [
        "Art. 273f applies here.",
        "Cases such as e.g. Austria matter.",
        "Item No. 5 is open.",
        "Pages pp. 4-5 and para. 3 say so.",
        "Mr. Smith and Mrs. Jones attended.",
    ],
)
def test_an_abbreviation_does_not_end_a_sentence(text: str) -> None:
    assert sentences(text) == [text]


def test_a_sentence_ending_in_a_number_is_still_a_sentence() -> None:
    assert sentences("It began in 2010. It ended in 2015.") == [
        "It began in 2010.",
        "It ended in 2015.",
    ]


def test_blank_and_unpunctuated_text() -> None:
    assert sentences("") == []
    assert sentences("   \n ") == []
    assert sentences("a heading without a full stop") == ["a heading without a full stop"]


def test_tokens_drop_stopwords_and_stem() -> None:
    assert tokens("What does the report say about the victims of trafficking?") == [
        "victim",
        "traffick",
    ]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("victims", "victim"),
        ("trafficked", "trafficking"),
        ("countries", "country"),
        ("identified", "identify"),
        ("organisations", "organisation"),
        ("Referrals", "referral"),
    ],
)
def test_inflections_meet(a: str, b: str) -> None:
    assert tokens(a) == tokens(b)


def test_short_words_are_not_overstemmed() -> None:
    assert stem("bus") == "bus"
    assert stem("red") == "red"
    assert stem("sing") == "sing"


def test_possessives_lose_their_s_with_either_apostrophe() -> None:
    assert words("The victim's rights and the children’s shelter") == [
        "the",
        "victim",
        "rights",
        "and",
        "the",
        "children",
        "shelter",
    ]
    assert tokens("victim's") == tokens("victims'") == tokens("victims") == ["victim"]


def test_numbers_and_article_numbers_are_tokens() -> None:
    assert tokens("Art. 273f, 2017 and No. 5") == ["art", "273f", "2017"]


def test_a_letter_code_is_one_word_with_or_without_its_hyphen() -> None:
    assert tokens("a B-9 permit") == tokens("a B9 permit") == ["b9", "permit"]
    assert tokens("anti-trafficking co-operation") == ["anti", "traffick", "co", "oper"]


def test_everyday_words_meet_the_reports_terms() -> None:
    """A user types "kids" and "jail"; the reports say "minors" and "imprisonment"."""
    assert tokens("kids in jail") == tokens("minors in imprisonment") == ["child", "prison"]
    assert tokens("how many countries joined") == tokens("how many States joined")
    assert tokens("pimps") == tokens("pimp") == ["exploiter"]
    assert tokens("people") == tokens("persons")
    # Words outside the families are left alone.
    assert tokens("shelters for victims") == ["shelter", "victim"]


def test_the_start_of_the_sentence_a_position_falls_in() -> None:
    """A chunk the splitter began inside a sentence is read from the sentence's start."""
    text = "Shelters opened. The cases registered with the PPS were examined in 2010. Next."
    inside = text.index("ses registered")

    assert text[sentence_start(text, inside) :].startswith("The cases registered")
    assert sentence_start(text, text.index("Next")) == text.index("Next")
    assert sentence_start("x" * 500 + " tail words", 505) is None  # begun too far back
