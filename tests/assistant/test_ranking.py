"""The fitted sentence ranker: which passage sentence states the asked fact, its features, and
the fit that writes its weights (cross-validated by question set)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.answering.choose import choose
from assistant.answering.fitting import coverage, example, fit_ranker
from assistant.answering.ranking import FEATURES, Candidate, SentenceRanker, sentence_candidates
from assistant.eval import fit_sentences
from assistant.prompt import Prompt
from tests.assistant.test_answering import passage

QUESTION = "What did labour inspectors find on the strawberry farms in the Algarve?"
VISITED = "Labour inspectors visited strawberry farms in the Algarve during the harvest season."
FOUND = "They found 40 workers without written contracts and two who were owed six months of pay."
NEPAL = "Strawberry farms in the Algarve employ seasonal workers from Nepal."


def farms() -> Prompt:
    first = passage(
        1,
        (VISITED, 0.8),
        (FOUND, 0.15),
        ("The inspectorate was founded in 1985 and employs staff in every district.", 0.1),
    )
    second = passage(2, (NEPAL, 0.5), ("The season lasts from March to June.", 0.05))
    return Prompt(QUESTION, QUESTION, (first, second))


def test_what_follows_the_best_match_comes_before_another_passages_partial_match() -> None:
    """Word overlap alone put the second passage's sentence (0.5 of the words) before the one
    after the best match, which holds what was found; the fitted ranker reads them in order."""
    chosen = [c.text for c in choose(farms())]

    assert chosen[:2] == [VISITED, FOUND]


def test_every_sentence_but_junk_is_a_candidate_with_every_feature() -> None:
    prompt = farms()
    junk = passage(3, ("3.1 Referral mechanisms and their partners", 0.9), (NEPAL, 0.1))
    prompt = Prompt(QUESTION, QUESTION, (*prompt.passages, junk))

    found = sentence_candidates(prompt, QUESTION)

    assert [c.text for c in found if c.n == 3] == [NEPAL]
    assert len(found) == 6
    assert all(set(c.features) == set(FEATURES) for c in found)
    after = next(c for c in found if c.text == FOUND)
    assert after.features["after_best"] == 1.0 and after.features["figure"] == 1.0


def test_the_ranker_scores_by_its_weights_and_a_missing_file_says_how_to_fit() -> None:
    weights = {
        "features": ["figure", "score"],
        "mean": [0.5, 0.5],
        "scale": [0.5, 0.5],
        "coef": [2.0, 0.0],
        "intercept": 0.0,
    }
    ranker = SentenceRanker(weights)

    assert ranker.score({"figure": 1.0, "score": 0.0}) > 0.5 > ranker.score({"figure": 0.0})
    with pytest.raises(FileNotFoundError, match="fit-sentences"):
        SentenceRanker.load(Path("/nonexistent/ranking.json"))


def _examples() -> list:
    """Five question sets in which the sentence with a figure holds the fact and the one
    matching most words does not."""
    out = []
    for g in range(5):
        for q in range(8):
            texts = ["Farms were visited.", "Harvests came early.", "Roads flooded.", "Set ended."]
            others = [Candidate(n, t, _f(0.9 - n / 10, 0)) for n, t in enumerate(texts, 1)]
            figure = Candidate(5, f"Inspectors found {q + 10} workers.", _f(0.2, 1))
            out.append(example(f"set{g}", [f"{q + 10} workers"], [*others, figure]))
    return out


def _f(score: float, figure: int) -> dict[str, float]:
    return {**{f: 0.0 for f in FEATURES}, "score": score, "relative": score, "figure": figure}


def test_the_fit_learns_what_holds_the_facts_and_reports_held_out_figures() -> None:
    examples = _examples()
    weights, report = fit_ranker(examples)

    assert weights["features"] == list(FEATURES)
    assert dict(zip(FEATURES, weights["coef"], strict=True))["figure"] > 0
    # held out by question set: the fit finds the figure's sentence, word overlap never does
    assert report["held_out_key_facts_chosen"] == {"fitted": 1.0, "word_overlap": 0.0}
    assert report["questions"] == 40 and report["sentences"] == 200


def test_coverage_counts_the_facts_of_the_chosen_sentences_only() -> None:
    a = Candidate(1, "In 2010, 993 victims were registered.", _f(1, 1))
    b = Candidate(1, "Most were women from Nigeria.", _f(1, 0))
    c = Candidate(1, "The report was printed in Vienna.", _f(1, 0))
    d = Candidate(2, "Of them, 120 were minors.", _f(1, 1))
    ex = example("s", ["993 victims", "Nigeria", "120 were minors"], [a, b, c, d])

    assert coverage(ex, [4, 3, 2, 1]) == pytest.approx(1.0)  # two of passage 1, then passage 2
    assert coverage(ex, [1, 2, 3, 4]) == pytest.approx(2 / 3)  # c and b of passage 1, then d


def test_blind_sets_are_never_fitted_on(tmp_path: Path) -> None:
    result = CliRunner().invoke(fit_sentences, ["--status", "blind", "--data-dir", str(tmp_path)])

    assert result.exit_code == 2 and "blind" in result.output
    assert not json.dumps(result.output).count("Traceback")
