"""The offline answerer: the best-ranked passage sentences, verbatim, each with its marker."""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.answering.choose import MAX_SENTENCES, PER_PASSAGE
from assistant.answering.citations import split_claims
from assistant.backends import get_backend
from assistant.backends.extractive import ExtractiveBackend
from assistant.prompt import Passage, Prompt, Sentence
from assistant.settings import AssistantSettings


def passage(
    n: int, *scored: tuple[str, float], kind: str = "publication", strength: float = 0.0
) -> Passage:
    """Passage n, its retrieval score `strength` or, by default, a little below the one before:
    passages all found about as well, whose sentences all clear the relative cut."""
    ranked = sorted(scored, key=lambda s: -s[1])
    return Passage(
        n=n,
        kind=kind,
        title=f"Report {n}",
        year=2010,
        page=n,
        page_label=None,
        text=" ".join(text for text, _ in scored),
        score=strength or 1.0 - 0.05 * (n - 1),
        sentences=tuple(Sentence(text, score) for text, score in ranked),
    )


def prompt(*passages: Passage) -> Prompt:
    return Prompt("q", "q", passages)


def answer(p: Prompt) -> str:
    return "".join(ExtractiveBackend().generate(p))


def test_best_sentence_first_each_followed_by_its_marker() -> None:
    """The order after the first is the fitted ranker's (tests/assistant/test_ranking.py)."""
    p = prompt(
        passage(
            1, ("Shelters opened in Tirana.", 0.55), ("The mechanism was piloted in 2008.", 0.9)
        ),
        passage(2, ("Caseworkers met victims at the border.", 0.7)),
    )

    text = answer(p)

    assert text.startswith("The mechanism was piloted in 2008. [1] ")
    assert "Caseworkers met victims at the border. [2]" in text
    assert "Shelters opened in Tirana. [1]" in text
    assert len(re.findall(r"\[\d\]", text)) == 3


def test_every_sentence_is_verbatim_from_the_passage_it_cites() -> None:
    passages = (
        passage(1, ("Art. 273f covers forced labour.", 0.8), ("Fines rose in 2012.", 0.3)),
        passage(2, ("Inspectors visited 412 farms.", 0.6)),
    )

    claims = split_claims(answer(prompt(*passages)))

    assert claims
    for claim in claims:
        [n] = claim.cited
        assert claim.text in passages[n - 1].text


def test_at_most_three_sentences_and_two_per_passage() -> None:
    topics = ["shelters", "hotlines", "brokers", "courts", "inspectors"]
    many = [(f"The report covers {w} in detail.", 0.9 - i / 100) for i, w in enumerate(topics)]
    p = prompt(passage(1, *many), passage(2, ("Another source says something else.", 0.8)))

    markers = re.findall(r"\[(\d+)\]", answer(p))

    assert len(markers) == MAX_SENTENCES
    assert markers.count("1") == PER_PASSAGE
    assert markers.count("2") == 1


def test_a_milestone_is_quoted_once_not_split_into_its_statement_and_its_titles() -> None:
    record = passage(
        1,
        ("2014: ICMPD produced a training manual for investigators.", 0.9),
        ("Related publications: Training Manual for Law Enforcement Officers (2014).", 0.8),
        kind="milestone",
    )
    p = prompt(record, passage(2, ("Another source says something else.", 0.8)))

    text = answer(p)

    assert re.findall(r"\[(\d+)\]", text) == ["1", "2"]
    assert text.startswith("2014: ICMPD produced a training manual for investigators. [1]")


def test_no_title_of_a_milestones_related_list_is_quoted_as_a_statement() -> None:
    """Two related titles split into two sentences; the second does not open with the list's
    label, and, however well it matches, is no statement: the milestone's own one is quoted."""
    record = passage(
        1,
        ("2014: ICMPD produced a training manual for investigators.", 0.5),
        ("Related publications: Handbook on Referral (2009).", 0.6),
        ("Training Manual for Law Enforcement Officers (2014).", 0.9),
        kind="milestone",
    )
    p = prompt(record, passage(2, ("Another source says something else.", 0.8)))

    text = answer(p)

    assert "2014: ICMPD produced a training manual for investigators. [1]" in text
    assert "Training Manual for Law Enforcement Officers" not in text


def test_a_near_duplicate_of_a_chosen_sentence_is_skipped() -> None:
    p = prompt(
        passage(1, ("The referral mechanism was piloted in Albania in 2008.", 0.9)),
        passage(2, ("The referral mechanism was piloted in Albania in 2008 too.", 0.85)),
        passage(3, ("Caseworkers accompanied returning victims.", 0.8)),
    )

    assert answer(p) == (
        "The referral mechanism was piloted in Albania in 2008. [1] "
        "Caseworkers accompanied returning victims. [3]"
    )


def test_a_lower_ranked_passage_needs_a_better_match_to_go_first() -> None:
    p = prompt(
        passage(1, ("First passage sentence about shelters.", 0.5)),
        passage(2, ("Second passage sentence about brokers.", 0.52)),
    )

    assert answer(p).startswith("First passage sentence about shelters. [1]")


def test_sentences_that_match_nothing_are_left_out_except_the_top_passages_best() -> None:
    p = prompt(
        passage(1, ("Title page of the handbook.", 0.0), ("Unrelated note.", 0.0)),
        passage(2, ("Nothing relevant here either.", 0.0)),
    )

    assert answer(p) == "Title page of the handbook. [1]"


def test_a_sentence_far_below_the_best_is_left_out_though_there_is_room() -> None:
    strong = passage(1, ("The mechanism was piloted in 2008.", 0.9))
    weak = passage(2, ("Caseworkers met victims at the border.", 0.3), strength=0.2)

    text = answer(prompt(strong, weak))

    assert text == "The mechanism was piloted in 2008. [1]"
    assert "Caseworkers" in answer(prompt(strong, replace(weak, score=0.95)))


def test_no_passages_no_answer() -> None:
    assert answer(prompt()) == ""
    assert answer(prompt(passage(1))) == ""


def test_deterministic_and_registered_by_name() -> None:
    p = prompt(
        passage(1, ("A tie one.", 0.5), ("A tie two.", 0.5)),
        passage(2, ("A tie three.", 0.5)),
    )
    backend = get_backend("extractive", AssistantSettings())

    assert backend.name == "extractive"
    assert "".join(backend.generate(p)) == answer(p) == answer(p)


def test_a_pages_own_reference_numbers_do_not_cost_the_sentence() -> None:
    """ "... would otherwise reject [1]." quoted as it stands cites passage 1, which does not
    support it, and the citation check removed it ("Removed 1 generated sentence(s) ..." under
    an answer nothing generated)."""
    from assistant.answering.citations import check
    from tests.assistant.test_citations import chunk

    other = chunk("labour-handbook", 9)
    page = (
        "Forced labour means work taken under threat of a penalty [12]. In short, it is about "
        "forcing persons to accept terms of employment that they would otherwise reject [1]."
    )
    found = replace(chunk("organ-study", 17), text=page, start=0, end=len(page))
    sentence = page.split(". ", 1)[1]
    p = prompt(
        replace(passage(1, (other.text, 0.2)), text=other.text),
        replace(passage(2, (sentence, 0.9)), text=page),
    )
    pages = {other.doc_id: other.text, found.doc_id: page}

    text, sources, removed = check(
        answer(p), p.passages, {1: other, 2: found}, lambda c: pages[c.doc_id]
    )

    assert removed == []
    assert "reject [1]" not in text and "would otherwise reject" in text
    assert any(s.quote == sentence for s in sources)  # verbatim, its reference number too


def test_a_sentence_begun_on_the_page_before_is_shown_after_an_ellipsis() -> None:
    """A page may open with the end of a sentence; its quote must be on the cited page, so the
    answer shows where it was cut."""
    p = prompt(passage(1, ("which was piloted in 2008 in Tirana.", 0.9)))

    text = answer(p)
    [claim] = split_claims(text)

    assert text == "…which was piloted in 2008 in Tirana. [1]"
    assert claim.text.lstrip("…") in p.passages[0].text
