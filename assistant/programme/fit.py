"""Fit the records judge: `python -m assistant.programme.fit QUESTIONS... --data-dir DIR`.

Each question's candidate answers are labelled: an answerable question's candidate that
states every key fact is one to give (1); any candidate for an unanswerable question, or one
missing a key fact, is one to withhold (0). A logistic regression over judge.FEATURES is
fitted on them and written to judge.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from assistant.eval import load_questions, normalise
from assistant.programme.answers import Programme
from assistant.programme.judge import FEATURES
from assistant.retrieval.search import Retriever
from vectorstore import open_store
from vectorstore.settings import StoreSettings

JUDGE = Path(__file__).with_name("judge.json")


@click.command()
@click.argument("questions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--out", type=click.Path(path_type=Path), default=JUDGE, show_default=True)
def main(questions: tuple[Path, ...], data_dir: Path, out: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    store = open_store(StoreSettings.from_env(data_dir=data_dir))
    programme = Programme(store, Retriever(store))
    rows, labels = [], []
    index = programme.retriever.keyword_index()
    for q in load_questions(questions):
        question = index.respelt(q.question)  # as Assistant.stream reads it
        for query, found, values in programme.candidates(question, q.history):
            answer = programme._compose(found, query, question, "", 0.0)
            if answer is None:
                continue
            text = normalise(answer.text)
            right = q.answerable and all(normalise(f) in text for f in q.key_facts)
            rows.append([values[f] for f in FEATURES])
            labels.append(int(right))
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000).fit(rows, labels)
    accuracy = model.score(rows, labels)
    judge = {
        "about": "Fitted by python -m assistant.programme.fit on "
        + ", ".join(p.name for p in questions)
        + f": {len(rows)} candidates, {sum(labels)} to give, training accuracy {accuracy:.3f}.",
        "weights": dict(zip(FEATURES, (round(float(w), 4) for w in model.coef_[0]), strict=True)),
        "bias": round(float(model.intercept_[0]), 4),
        "threshold": 0.5,
    }
    out.write_text(json.dumps(judge, indent=1) + "\n")
    click.echo(judge["about"])
    click.echo(json.dumps(judge["weights"]))


if __name__ == "__main__":
    main()
