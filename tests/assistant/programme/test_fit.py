"""`python -m assistant.programme.fit` on the records alone: it writes a judge the records
stage loads, with every feature weighed, the `asks` and `topic` models over the embedding, a
threshold chosen out of fold, and never a blind set among what it fitted on."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from assistant.judging.trees import Trees
from assistant.programme.fit import Asked, _out_of_fold, main
from assistant.programme.judge import FEATURES, terms_logit
from tests.assistant.programme.conftest import records_store
from vectorstore.embeddings import Embedder

EVAL = Path(__file__).parents[3] / "eval"
SETS = f"""
[sets.programme]
file = "{EVAL / "programme_questions.jsonl"}"
status = "training"
kind = "programme"

[sets.heldout]
file = "{EVAL / "heldout_questions.jsonl"}"
status = "training"
kind = "corpus"

[sets.progblind3]
file = "{EVAL / "progblind3_questions.jsonl"}"
status = "blind"
kind = "programme"
"""


def test_the_fit_writes_a_judge_with_every_feature_and_the_asks_model(
    tmp_path: Path, embedder: Embedder
) -> None:
    records_store(tmp_path, embedder)
    out, sets = tmp_path / "judge.json", tmp_path / "sets.toml"
    sets.write_text(SETS)

    result = CliRunner().invoke(
        main, ["--data-dir", str(tmp_path / "data"), "--sets", str(sets), "--out", str(out)]
    )

    assert result.exit_code == 0, result.output
    judge = json.loads(out.read_text())
    assert judge["kind"] == "boosted"
    assert Trees.load(judge).reads <= set(FEATURES)
    assert {"coverage", "asks"} <= Trees.load(judge).reads
    assert len(judge["asks"]["weights"]) == embedder.encode(["x"]).shape[1]
    assert 0.0 < judge["threshold"] < 1.0
    assert len(judge["topic"]["weights"]) == len(judge["asks"]["weights"])
    assert -10.0 < judge["topic"]["cut"] < 10.0
    for model in ("asks", "topic"):  # words of both kinds' questions, weighed
        assert "programme" in judge[model]["terms"]
    assert "programme_questions.jsonl, heldout_questions.jsonl: 48 questions" in judge["about"]
    assert "out of fold: answerable refused" in result.output


def _asked(records_answer: bool, answerable: bool, about: bool) -> Asked:
    return Asked(records_answer, answerable, about, {False: "q"}, "q")


def test_the_out_of_fold_report_counts_each_question_by_its_best_candidate() -> None:
    """A question is answered when its best candidate reaches the threshold; the shares are
    of the records' own questions refused, the programme's unanswerable ones answered and the
    other sets' ones (the passages' to answer) answered, the median over the splits."""
    asked = [
        _asked(True, True, True),  # best 0.9: answered
        _asked(True, True, True),  # best 0.3: refused
        _asked(False, False, True),  # best 0.6: answered
        _asked(False, False, True),  # no candidate: refused
        _asked(False, True, False),  # best 0.1: refused
    ]
    probs = np.array([0.2, 0.9, 0.3, 0.6, 0.4, 0.1])
    owner = np.array([0, 0, 1, 2, 2, 4])
    report = _out_of_fold(asked, [(probs, owner)], 0.5)
    assert report == (
        "out of fold: answerable refused 0.500, unanswerable answered 0.500, others answered 0.000"
    )


def test_the_fit_refuses_blind_sets(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "--status", "blind"])
    assert result.exit_code != 0
    assert "never fitted on" in result.output


QUESTIONS = [
    "When was the Anti-Trafficking Programme launched?",
    "Which guidelines did the programme publish for labour inspectors, and when?",
    "How many victims were identified in the Netherlands in 2014?",
    "What did the programme publish on trafficking, trafficking and referral?",
]


@pytest.mark.parametrize(
    "text",
    [
        "What did the PROGRAMME publish for labour inspectors in 2014?",
        "programme programme programme: launched?",
        "victims, victims and referral mechanisms",
        "nothing here is in the vocabulary",
    ],
)
def test_the_judge_reads_the_words_as_the_fits_tfidf_does(text: str) -> None:
    """The text models' words are weighed at run time without scikit-learn: the same
    sublinear, l2-normalised tf-idf of words and word pairs as TfidfVectorizer's."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(QUESTIONS)
    weights = np.random.default_rng(0).normal(size=len(vectorizer.vocabulary_))
    terms = {
        t: (float(vectorizer.idf_[j]), float(weights[j])) for t, j in vectorizer.vocabulary_.items()
    }
    expected = float((vectorizer.transform([text]) @ weights)[0])
    assert terms_logit(terms, text) == pytest.approx(expected, abs=1e-9)
