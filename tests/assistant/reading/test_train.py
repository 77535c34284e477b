"""The reader's training data: labels from key facts on expected pages, hard negatives from the
same pool, and which sets it may be fitted on."""

from __future__ import annotations

import random

from assistant.reading.pools import Pool, holds_a_key_fact
from assistant.reading.train import hard_negatives, question_sets, training_groups


def pool(answers: list[bool], answerable: bool = True, **kw) -> Pool:
    sentences = kw.pop(
        "sentences",
        [f"sentence {i} about trafficking victims registered" for i in range(len(answers))],
    )
    pages = ["doc:1"] * len(answers)
    return Pool(
        "q1",
        "corpus",
        "How many victims were registered?",
        answerable,
        0.5,
        sentences,
        pages,
        [0] * len(answers),
        answers,
    )


def test_a_key_fact_counts_whatever_its_case_and_spacing() -> None:
    assert holds_a_key_fact("They paid EUR  89,665.50 in the end.", ["89,665.50"])
    assert holds_a_key_fact("An Assertive\nProstitute", ["assertive prostitute"])
    assert not holds_a_key_fact("They paid a large sum.", ["89,665.50", " "])


def test_groups_put_one_answer_first_among_negatives_only() -> None:
    answers = [False, True, False, False, True, False, False, False, False]
    groups = training_groups([pool(answers)], random.Random(1), group=5)
    ((_, sentences, labels),) = groups
    answer_texts = {f"sentence {i} about trafficking victims registered" for i in (1, 4)}
    assert labels == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert sentences[0] in answer_texts
    assert not answer_texts & set(sentences[1:])


def test_unanswerable_questions_give_negatives_and_unfound_answers_nothing() -> None:
    rng = random.Random(2)
    (group,) = training_groups([pool([False] * 6, answerable=False)], rng, group=6)
    assert group[2] == [0.0, 0.0, 0.0]
    assert training_groups([pool([False] * 6, answerable=True)], rng, group=6) == []


def test_hard_negatives_start_from_the_best_keyword_matches() -> None:
    sentences = ["victims registered in 2010 numbered 993"] + [
        f"unrelated filler text number {i}" for i in range(20)
    ]
    negatives = hard_negatives(pool([False] * 21, sentences=sentences), random.Random(3), 2)
    assert negatives[0] == sentences[0]  # the only sentence sharing the question's words
    assert len(set(negatives)) == 2


def test_the_reader_is_never_fitted_on_blind_sets() -> None:
    fitted = {n for n, _ in question_sets(["training", "read"])}
    blind = {n for n, _ in question_sets(["blind"])}
    assert fitted and blind and not fitted & blind


def test_figures_count_an_answer_in_the_top_k_alone_and_combined_with_bm25() -> None:
    from assistant.reading.figures import answer_at

    rows = [
        {"answers": [False, True, False], "reader": [0.9, 0.8, 0.1], "bm25": [0.0, 5.0, 1.0]},
        {"answers": [True, False, False], "reader": [0.7, 0.2, 0.1], "bm25": [1.0, 2.0, 3.0]},
    ]
    assert answer_at(rows, "reader", 1) == 0.5
    assert answer_at(rows, "bm25", 1) == 0.5
    assert answer_at(rows, "reader", 2) == 1.0
    assert answer_at(rows, "reader", 1, weight=0.5) == 0.5  # each finds the one the other misses
    assert answer_at(rows, "reader", 1, weight=1.0) == answer_at(rows, "reader", 1)


def test_a_shortlist_keeps_the_best_keyword_matches_in_their_order() -> None:
    from assistant.reading.figures import best_by_bm25

    sentences = ["filler one here", "victims registered in 2010", "filler two here", "victims"]
    cut = best_by_bm25(pool([False, True, False, False], sentences=sentences), 2)
    assert cut.sentences == ["victims registered in 2010", "victims"]
    assert cut.answers == [True, False]
