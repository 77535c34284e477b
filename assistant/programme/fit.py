"""Fit the records judge: `python -m assistant.programme.fit --data-dir DIR`, on the training and
read sets of eval/sets.toml.

Three models, written to judge.json:
- `asks`, over each question's embedding and its words' tf-idf: does the timeline or
  catalogue answer it (an answerable question whose expected sources include a record)? Its
  log-odds are a feature of the judge, taken out of fold for the judge's own fit so the judge
  does not learn to trust answers it has already seen.
- the judge, over judge.FEATURES of each question's candidate answers: an answerable
  question's candidate that states every key fact is one to give (1); any candidate for an
  unanswerable question, or one missing a key fact, is one to withhold (0). Not a logistic
  regression but boosted trees (HistGradientBoostingClassifier, monotone in the features
  MONOTONE names), exported node by node: out of fold they refuse fewer unanswerable questions
  at the same share of answerable ones refused (eval/decisions.md, fifteenth stop).
The threshold is the highest that, out of fold, refuses at most `--refused` of the questions
the records answer.
- `topic`, over each question's embedding and its words' tf-idf: is it about the programme (a
  question of a set of kind "programme", answerable or not)? It is fitted on each question as
  asked and as its search words (`keywords`). Its cut is the lowest log-odds
  that, out of fold, at most ABOUT_PASSES of the other sets' answerable questions exceed (the
  median over REPEATS splits): such a question is then refused when only other
  organisations' documents are found.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import click
import numpy as np

from assistant.conversation.followup import earlier_question, respelt
from assistant.eval import fitting_options, load_questions, normalise
from assistant.eval_sets import QuestionSet, load_sets
from assistant.judging.trees import Trees, export, inline_short_lists
from assistant.programme.answers import Programme
from assistant.programme.judge import FEATURES, asks_text
from assistant.retrieval.search import Retriever
from assistant.text import STOPWORDS, WORD
from vectorstore import open_store
from vectorstore.settings import StoreSettings

JUDGE = Path(__file__).with_name("judge.json")
ASKS_C = 10.0  # weak regularisation: out of fold on unseen writers' questions, C 3-100 ranked alike
FOLDS = 5
REPEATS = 5  # out-of-fold splits the threshold is the median over
ABOUT_PASSES = 0.0  # of other sets' answerable questions the `topic` cut may take as ours
# more of the record's words, a nearer record, a question more like the records' own: never
# less likely an answer; less of its weight unknown to the records: never less either
MONOTONE = {"coverage": 1, "unknown": -1, "dense": 1, "asks": 1}
# depth 3 was no better out of fold, and its threshold less stable
TREES = {"max_depth": 2, "learning_rate": 0.1, "max_iter": 100}


@dataclass
class Asked:
    """One question: its texts as embedded (alone, and with the question it follows) and its
    candidates' features without `asks`, each with the text its `asks` is read from."""

    records_answer: bool
    answerable: bool
    about: bool  # from a set about the programme
    texts: dict[bool, str]
    typed: str  # as search words (`keywords`): what `topic` also learns from
    candidates: list[tuple[dict[str, float], bool, int]] = field(default_factory=list)


def collect(programme: Programme, sets: list[QuestionSet]) -> list[Asked]:
    index = programme.retriever.keyword_index()
    ids = {r.id for r in programme.records().items}
    out = []
    read = [(q, s.kind == "programme") for s in sets for q in load_questions([s.path])]
    for q, about in read:
        question, history = respelt(index, q.question, q.history)  # as Assistant.stream
        earlier = earlier_question(question, history)
        texts = {False: question, True: asks_text(question, earlier)}
        refs = {e.get("ref") for e in q.expected}
        asked = Asked(
            q.answerable and bool(refs & ids), q.answerable, about, texts, keywords(question)
        )
        for query, found, values in programme.candidates(question, history):
            answer = programme._compose(found, query, question, "", 0.0)
            if answer is None:
                continue
            text = normalise(answer.text)
            right = q.answerable and all(normalise(f) in text for f in q.key_facts)
            asked.candidates.append((values, bool(values["followup"]), int(right)))
        out.append(asked)
    return out


def _folds(n: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import KFold

    return list(KFold(FOLDS, shuffle=True, random_state=seed).split(np.arange(n)))


def _judge_rows(asked: list[Asked], asks: list[dict[bool, float]]):
    rows, labels, owner = [], [], []
    for i, (a, odds) in enumerate(zip(asked, asks, strict=True)):
        for values, followup, right in a.candidates:
            row = {**values, "asks": odds[followup]}
            rows.append([row[f] for f in FEATURES])
            labels.append(right)
            owner.append(i)
    return np.asarray(rows), np.asarray(labels), np.asarray(owner)


def _text_model(texts: list[str], labels: np.ndarray, vector: dict[str, np.ndarray]):
    """A logistic regression over the question's embedding and its words' and word pairs'
    tf-idf: `asks` and `topic` are both one (the embedding blurs the words that decide them:
    "the programme", "who wrote", "findings")."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    terms = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit(texts)

    def rows(of: list[str]):
        embedded = csr_matrix(np.asarray([vector[t] for t in of]))
        return hstack([embedded, terms.transform(of)]).tocsr()

    model = LogisticRegression(C=ASKS_C, class_weight="balanced", max_iter=5000)
    return terms, rows, model.fit(rows(texts), labels)


def _topic(asked: list[Asked], vector: dict[str, np.ndarray]):
    """The `topic` model and its cut: the lowest log-odds that, out of fold, at most
    ABOUT_PASSES of the other sets' answerable questions exceed (the median over REPEATS
    splits), a follow-up's the lower of its readings alone and with the question it follows
    (Programme.off_source)."""
    from sklearn.model_selection import StratifiedKFold

    def texts(of, typed: bool = False) -> tuple[list[str], np.ndarray, np.ndarray]:
        pairs = [(i, t) for i in of for t in dict.fromkeys(asked[i].texts.values())]
        if typed:  # each question typed as search words too, under the same label
            pairs += [(i, asked[i].typed) for i in of]
        about = np.asarray([asked[i].about for i, _ in pairs])
        return [t for _, t in pairs], about, np.asarray([i for i, _ in pairs])

    def cut_of(seed: int) -> float:
        lowest: dict[int, float] = {}
        for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(y, y):
            _, rows, model = _text_model(*texts(train, typed=True)[:2], vector)
            of, _, owner = texts(test)
            for o, i in zip(model.decision_function(rows(of)), owner, strict=True):
                lowest[i] = min(lowest.get(i, np.inf), float(o))
        passes = sorted(o for i, o in lowest.items() if not asked[i].about and asked[i].answerable)
        allowed = int(np.floor(ABOUT_PASSES * len(passes)))
        return passes[len(passes) - 1 - allowed] if passes else float("inf")

    y = np.asarray([a.about for a in asked])
    # an extreme of one split moves by ±0.3 with the split; the median over REPEATS holds
    cut = round(float(np.median([cut_of(seed) for seed in range(REPEATS)])), 3)
    every, about, _ = texts(range(len(asked)), typed=True)
    terms, _, model = _text_model(every, about, vector)
    return terms, model, cut


def keywords(question: str) -> str:
    """The question as typed into a search box: its content words, lower-cased, in order
    ("shelter places victims 2011"). Such queries are as often about anything else as about the
    programme, which the sets' full sentences alone did not teach `topic`."""
    return " ".join(w for w in WORD.findall(question.lower()) if w not in STOPWORDS)


def _exported(model, terms, width: int) -> dict:
    """A text model's weights as judge.json holds them: the embedding's, then each term's."""
    coef = model.coef_[0]
    return {
        "weights": [round(float(w), 5) for w in coef[:width]],
        "bias": round(float(model.intercept_[0]), 5),
        "terms": {
            term: [round(float(terms.idf_[j]), 5), round(float(coef[width + j]), 5)]
            for term, j in sorted(terms.vocabulary_.items())
        },
    }


def _exported_trees(model, rows: np.ndarray) -> dict:
    try:
        return export(model, FEATURES, rows)
    except ValueError as error:
        raise click.ClickException(str(error)) from error


def _best(asked: list[Asked], probs: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Each question's best candidate's probability (0 for a question with none)."""
    best = np.zeros(len(asked))
    np.maximum.at(best, owner, probs)
    return best


def _threshold(asked: list[Asked], probs: np.ndarray, owner: np.ndarray, refused: float) -> float:
    """The highest threshold that refuses at most `refused` of the questions records answer."""
    best = _best(asked, probs, owner)[[a.records_answer for a in asked]]
    for t in np.arange(0.95, 0.04, -0.01):
        if (best < t).sum() <= refused * len(best):
            return round(float(t), 2)
    return 0.05


def _out_of_fold(
    asked: list[Asked], oof: list[tuple[np.ndarray, np.ndarray]], threshold: float
) -> str:
    """What the fitted threshold does out of fold, the median over the splits: the share of
    the questions the records answer that it refuses, and of the programme's unanswerable
    questions and the other sets' questions (the passages' to answer) that it answers."""
    groups = {  # who is counted, and whether an answer (else a refusal) is what counts
        "answerable refused": ([a.records_answer for a in asked], False),
        "unanswerable answered": ([a.about and not a.answerable for a in asked], True),
        "others answered": ([not a.about and not a.records_answer for a in asked], True),
    }
    shares: dict[str, list[float]] = {name: [] for name in groups}
    for probs, owner in oof:
        given = _best(asked, probs, owner) >= threshold
        for name, (members, answers) in groups.items():
            hit = (given if answers else ~given)[members]
            shares[name].append(float(hit.mean()) if len(hit) else 0.0)
    return "out of fold: " + ", ".join(f"{k} {np.median(v):.3f}" for k, v in shares.items())


@click.command()
@fitting_options
@click.option("--out", type=click.Path(path_type=Path), default=JUDGE, show_default=True)
@click.option(
    "--refused",
    default=0.04,
    show_default=True,
    help="Share of the questions the records answer that the threshold may refuse, out of fold.",
)
def main(
    data_dir: Path | None, sets_file: Path, statuses: tuple[str, ...], out: Path, refused: float
) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    store = open_store(StoreSettings.from_env(data_dir=data_dir))
    programme = Programme(store, Retriever(store))
    sets = [s for s in load_sets(sets_file) if s.status in statuses and s.fit]
    asked = collect(programme, sets)
    texts = sorted({t for a in asked for t in (*a.texts.values(), a.typed)})
    vector = dict(zip(texts, store.embedder.encode(texts), strict=True))
    read = [a.texts[True] for a in asked]  # with the question it follows
    y = np.asarray([a.records_answer for a in asked])

    def judge_model(r: np.ndarray, lab: np.ndarray):
        monotone = [MONOTONE.get(f, 0) for f in FEATURES]
        model = HistGradientBoostingClassifier(
            **TREES, class_weight="balanced", monotonic_cst=monotone, random_state=0
        )
        return model.fit(r, lab)

    def oof_asks(seed: int) -> list[dict[bool, float]]:
        """`asks` as the judge will meet it: from a model that never saw the question."""
        out: list[dict[bool, float]] = [{} for _ in asked]
        for train, test in _folds(len(asked), seed):
            _, rows, model = _text_model([read[i] for i in train], y[train], vector)
            for i in test:
                for followup, text in asked[i].texts.items():
                    out[i][followup] = float(model.decision_function(rows([text]))[0])
        return out

    # the threshold is the median over REPEATS splits: one split's moves it by 0.05
    splits = [_judge_rows(asked, oof_asks(seed)) for seed in range(REPEATS)]
    thresholds: list[float] = []
    oof: list[tuple[np.ndarray, np.ndarray]] = []
    for seed, (rows, labels, owner) in enumerate(splits):
        probs = np.zeros(len(rows))
        for train, test in _folds(len(asked), seed):
            inside, outside = np.isin(owner, train), np.isin(owner, test)
            model = judge_model(rows[inside], labels[inside])
            probs[outside] = model.predict_proba(rows[outside])[:, 1]
        thresholds.append(_threshold(asked, probs, owner, refused))
        oof.append((probs, owner))
    threshold = round(float(np.median(thresholds)), 2)
    rows, labels, owner = splits[0]  # the judge itself is fitted on the first split's `asks`

    judge = judge_model(rows, labels)
    asks_terms, _, asks = _text_model(read, y, vector)
    terms, topic, cut = _topic(asked, vector)
    width = len(next(iter(vector.values())))
    accuracy = judge.score(rows, labels)
    result = {
        "about": "Fitted by python -m assistant.programme.fit on "
        + ", ".join(s.path.name for s in sets)
        + f": {len(asked)} questions ({int(y.sum())} the records answer), {len(rows)} "
        f"candidates, {int(labels.sum())} to give, training accuracy {accuracy:.3f}; threshold "
        f"refuses at most {refused:.0%} of the questions the records answer, out of fold.",
        "kind": "boosted",
        "threshold": threshold,
        **_exported_trees(judge, rows),
        "asks": {
            "about": f"logistic regression (C={ASKS_C}) over the question's embedding and its "
            "words' and word pairs' sublinear tf-idf (`terms`: idf, weight)",
            **_exported(asks, asks_terms, width),
        },
        "topic": {
            "about": f"logistic regression (C={ASKS_C}) over the question's embedding and its "
            "words' and word pairs' sublinear tf-idf (`terms`: idf, weight): is it about the "
            f"programme; the cut lets through at most {ABOUT_PASSES:.1%} of other "
            "sets' answerable questions, out of fold",
            **_exported(topic, terms, width),
            "cut": cut,
        },
    }
    out.write_text(inline_short_lists(json.dumps(result, indent=1)) + "\n")
    click.echo(result["about"])
    reads = Trees.load(result).reads
    click.echo(f"trees read {sorted(reads)}; threshold {threshold} (of {thresholds})")
    click.echo(_out_of_fold(asked, oof, threshold))


if __name__ == "__main__":
    main()
