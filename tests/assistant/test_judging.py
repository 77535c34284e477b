"""The judge seam: features in, a verdict with its reasons out; the shipped weights load; a
fit sets its threshold for the false-refusal rate asked; misspelt words meet the index."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from assistant.judging import fitted, get_judge
from assistant.judging.features import DESCRIPTIONS, FEATURES, features
from assistant.judging.fitted import FittedJudge
from assistant.judging.fitting import fit_judge
from assistant.prompt import Passage, Prompt
from assistant.retrieval.search import Candidate, Retrieval
from assistant.text import language_words, tokens
from tests.assistant.test_evidence import PROGRAMME, index_over
from vectorstore.settings import default_model_path

WEIGHTS = {
    "features": ["coverage", "unknown_name", "reader"],
    "mean": [0.5, 0.1, 0.5],
    "scale": [0.2, 0.3, 0.2],
    "coef": [2.0, -3.0, 1.0],
    "intercept": 0.0,
    "threshold": 0.5,
}


def linear(weighed: dict[str, tuple[float, float, float]]) -> FittedJudge:
    """A linear judge from each feature's (mean, scale, weight), intercept 0, threshold 0.5."""
    return FittedJudge(
        {
            "features": list(weighed),
            "mean": [m for m, _, _ in weighed.values()],
            "scale": [s for _, s, _ in weighed.values()],
            "coef": [c for _, _, c in weighed.values()],
            "intercept": 0.0,
            "threshold": 0.5,
        }
    )


def test_a_verdict_gives_its_score_and_the_reasons_that_pushed_it() -> None:
    judge = FittedJudge(WEIGHTS)

    refused = judge.judge({"coverage": 0.3, "unknown_name": 1.0, "reader": 0.5})
    answered = judge.judge({"coverage": 0.9, "unknown_name": 0.0, "reader": 0.5})

    assert not refused.answers and refused.score < 0.5
    assert refused.reasons[0] == "the question names something no indexed text mentions"
    assert answered.answers and answered.score > 0.5
    assert answered.reasons[0] == "the best passages hold what the question says"


def test_boosted_trees_give_their_score_and_the_features_that_moved_it() -> None:
    """A tree's reasons: the features whose training mean, put back, would move the score most
    against the verdict."""
    judge = FittedJudge(
        {
            "kind": "boosted",
            "features": ["coverage", "unknown_name", "dense"],
            "mean": [0.4, 0.1, 0.6],
            "threshold": 0.5,
            "baseline": 0.0,
            "trees": [
                [["coverage", 0.45, 1, 2], [-2.0], [1.5]],
                [["unknown_name", 0.5, 1, 2], [0.25], [-3.0]],
                [["dense", 0.3, 1, 2], [-0.1], [0.1]],
            ],
        }
    )

    refused = judge.judge({"coverage": 0.8, "unknown_name": 1.0, "dense": 0.7})
    answered = judge.judge({"coverage": 0.8, "unknown_name": 0.0, "dense": 0.7})

    assert not refused.answers and refused.score < 0.5
    assert refused.reasons == ("the question names something no indexed text mentions",)
    assert answered.answers and answered.score > 0.5
    assert answered.reasons[0] == "the best passages hold what the question says"
    # no reader: the feature is absent, not zero, and a tree reads its training mean
    assert judge.judge({"coverage": 0.8, "unknown_name": 0.0}).score == pytest.approx(
        answered.score
    )


def test_the_length_of_the_question_is_weighed_but_never_given_as_a_reason() -> None:
    """ "The question is short" tells its asker nothing about the publications."""
    judge = linear({"words": (6.0, 3.0, 3.0), "coverage": (0.5, 0.2, 1.0)})

    refused = judge.judge({"words": 2.0, "coverage": 0.4})

    assert not refused.answers
    assert refused.reasons == ("the best passages hold little of what the question says",)


def test_a_refusal_says_why_even_when_no_single_feature_does() -> None:
    """A refusal pushed only by what is never a reason still gets one plain line."""
    judge = linear({"words": (6.0, 3.0, 3.0), "coverage": (0.5, 0.2, 1.0)})

    refused = judge.judge({"words": 2.0, "coverage": 0.6})

    assert not refused.answers
    assert refused.reasons == (fitted.FALLS_SHORT,)
    assert judge.judge({"words": 9.0, "coverage": 0.6}).answers


def test_a_feature_weighed_against_its_meaning_is_never_named_for_the_verdict() -> None:
    """Collinear features can take a negative weight in the fit: a high coverage then pushes
    towards a refusal, which must not say "the best passages hold what the question says"."""
    judge = linear(
        {"coverage": (0.5, 0.2, -1.0), "strength": (0.5, 0.2, 2.0), "absent_year": (0.2, 0.4, -1.0)}
    )

    refused = judge.judge({"coverage": 0.9, "strength": 0.4, "absent_year": 1.0})

    assert not refused.answers
    assert refused.reasons == (
        "the year asked about is in none of the passages",
        "the passages cover little of the question's weight",
    )


def test_a_question_of_one_part_is_never_refused_for_its_parts() -> None:
    """`parts` is 0 for a question that asks one thing; a fit weighs it, but "no part of the
    question is well covered" is said only of a question of several parts."""
    judge = linear({"parts": (0.2, 0.4, 2.0), "dense": (0.7, 0.1, 1.0)})

    one = judge.judge({"parts": 0.0, "weakest_part": 1.0, "dense": 0.6})
    several = judge.judge({"parts": 0.0, "weakest_part": 0.0, "dense": 0.65})

    assert not one.answers and not several.answers
    assert one.reasons == ("nothing indexed is close in meaning to the question",)
    assert several.reasons[0] == "no part of the question is well covered"


def test_an_absent_feature_such_as_no_reader_adds_nothing() -> None:
    judge = FittedJudge(WEIGHTS)
    base = {"coverage": 0.6, "unknown_name": 0.0}

    assert judge.judge(base).score == judge.judge({**base, "reader": 0.5}).score
    assert judge.judge({**base, "reader": 0.9}).score > judge.judge(base).score


@pytest.mark.skipif(
    not (Path(fitted.__file__).parent / fitted.WEIGHTS).exists(),
    reason="no weights fitted yet: run `python -m assistant.eval fit --data-dir DIR`",
)
def test_the_shipped_weights_load_and_use_only_known_features() -> None:
    judge = get_judge("fitted")

    assert set(judge.features) <= set(FEATURES)
    assert 0 < judge.threshold < 1
    assert get_judge("fitted", threshold=0.3).threshold == 0.3


def test_an_unknown_judge_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="fitted, rules"):
        get_judge("oracle")


def test_a_fit_meets_its_false_refusal_target_and_reports_unused_features() -> None:
    rng = random.Random(0)
    rows, labels = [], []
    for _ in range(400):
        answerable = rng.random() < 0.7
        coverage = rng.gauss(0.7 if answerable else 0.35, 0.15)
        rows.append({"coverage": coverage, "words": rng.random()})
        labels.append(answerable)

    weights, report = fit_judge(
        rows, labels, ["coverage", "words", "reader"], 0.05, compare=False, model="logistic"
    )

    assert weights["features"] == ["coverage", "words"]  # no row has a reader score
    assert report["chosen"]["false_refusal_rate"] <= 0.05
    assert report["chosen"]["refusal_recall"] > 0.5
    judge = FittedJudge(weights)
    assert judge.judge({"coverage": 0.9, "words": 0.5}).answers
    assert not judge.judge({"coverage": 0.1, "words": 0.5}).answers
    assert weights["kind"] == "logistic"

    boosted, report = fit_judge(rows, labels, ["coverage", "words"], 0.05, model="boosted")
    assert boosted["kind"] == "boosted" and report["chosen"]["max_depth"] == 3
    assert {"gradient boosting", "logistic C=1.0", "hybrid C=1.0"} <= set(report["cv"])
    assert FittedJudge(boosted).judge({"coverage": 0.9, "words": 0.5}).answers
    assert not FittedJudge(boosted).judge({"coverage": 0.1, "words": 0.5}).answers
    with pytest.raises(ValueError, match="hybrid, logistic, boosted"):
        fit_judge(rows, labels, ["coverage"], 0.05, model="forest")


def test_the_hybrid_weighs_a_rare_check_the_trees_would_leave_unused() -> None:
    """A check that fires on some questions, all unanswerable, refuses what the passages'
    coverage alone would answer: it is a term of its own, not a split the trees may skip."""
    rng = random.Random(1)
    rows, labels = [], []
    for n in range(600):
        answerable = rng.random() < 0.6
        coverage = rng.gauss(0.7 if answerable else 0.4, 0.15)
        check = float(not answerable and n % 5 == 0)  # 1 in 5 unanswerable questions
        rows.append({"coverage": coverage, "unknown_name": check})
        labels.append(answerable)

    weights, _ = fit_judge(rows, labels, ["coverage", "unknown_name"], 0.05)

    assert weights["kind"] == "hybrid" and weights["coef"][1] < 0
    judge = FittedJudge(weights)
    assert judge.judge({"coverage": 0.7, "unknown_name": 0.0}).answers
    verdict = judge.judge({"coverage": 0.7, "unknown_name": 1.0})
    assert not verdict.answers
    assert verdict.reasons[0] == DESCRIPTIONS["unknown_name"][1]


def test_misspelt_words_are_matched_to_the_indexed_vocabulary() -> None:
    index = index_over(["The referral mechanism protects trafficking victims in domestic work."])

    corrected = index.corrected(tokens("referal of traficking victims in domestc work"))

    assert corrected == tokens("referral of trafficking victims in domestic work")
    assert index.unknown(index.corrected(tokens("Zealand"))) == ["zealand"]


def test_a_question_is_respelt_but_words_of_the_language_are_kept() -> None:
    index = index_over(["ICMPD joint guidelines on referral, the training curriculum."])
    index.known = language_words(default_model_path())

    respelt = index.respelt("when came the refferal guidlines, how long was the curiculum")

    # "came" and "long" are words no indexed text holds, but words: never "name" or "along"
    assert respelt == "when came the refferal guidelines, how long was the curriculum"
    assert index.respelt("which came first") == "which came first"


def test_a_slip_in_the_question_word_is_read_as_that_word() -> None:
    """Too short for the speller and often words of the language ("wen", "wat"), but no
    question opens with one; a common word ("that") or a slip of two question words is kept."""
    index = index_over(["When the programme was established, what it published and with whom."])
    index.known = language_words(default_model_path())

    assert index.respelt("wen was it established") == "when was it established"
    assert index.respelt("Wat did it publish") == "What did it publish"
    assert index.respelt("wich partners did it have") == "which partners did it have"
    assert index.respelt("that study on it") == "that study on it"
    assert index.respelt("hwo many partners") == "hwo many partners"  # "how" or "who"
    # a word the indexed texts use in their own right, many times to the question word's once
    dutch = index_over(["Wat is de NRM? " * 30 + "What is the NRM?"])
    assert dutch.respelt("wat is de nrm") == "wat is de nrm"


def test_a_contraction_typed_without_its_apostrophe_gets_it_back() -> None:
    """Not the nearest indexed word: "dont" is not "done", "whats" not "what"."""
    index = index_over(["It was done. What the shelters show, who runs them, whom they serve."])
    index.known = language_words(default_model_path())

    respelt = index.respelt("whats the shelters capacity, dont they show it, isnt there a guide")

    assert respelt == "what's the shelters capacity, don't they show it, isn't there a guide"
    assert index.respelt("hows it run, whos running it") == "how's it run, who's running it"


def specific(texts: list[str], question: str) -> float:
    """The 'specific' feature of passages `texts` for `question` (was matches_only_the_topic)."""
    index = index_over(texts)
    chunks = [c for c in index.chunks if c.text in texts]
    retrieval = Retrieval(question, tokens(question), None, index, [Candidate(c) for c in chunks])
    passages = tuple(
        Passage(i + 1, c.kind, c.title, c.year, c.page, None, c.text, 1.0)
        for i, c in enumerate(chunks)
    )
    return features(retrieval, Prompt(question, question, passages), question)["specific"]


def test_passages_about_the_topic_but_not_the_question_hold_none_of_its_specific_words() -> None:
    question = "What is the annual budget of the ICMPD Anti-Trafficking Programme?"
    topic = PROGRAMME
    answering = [*PROGRAMME[:2], "The ICMPD Anti-Trafficking Programme has an annual budget."]

    assert specific(topic, question) == 0.0
    assert specific(answering, question) == 1.0
    assert specific(topic, "ICMPD Anti-Trafficking Programme") == 1.0  # all shared: topic is all


def test_the_rules_baseline_refuses_on_any_veto_and_names_it() -> None:
    judge = get_judge("rules")

    vetoed = judge.judge({"strength": 0.9, "lacks_contact": 1.0})
    answered = judge.judge({"strength": 0.9, "specific": 1.0})

    assert not vetoed.answers and vetoed.reasons == (
        "no passage holds the contact detail asked for",
    )
    assert answered.answers and answered.score == 0.9


def test_missing_weights_say_how_to_fit_them(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"python -m assistant\.eval fit"):
        FittedJudge.load(tmp_path / "weights.json")
