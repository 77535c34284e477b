"""Reading a question for the records: what it asks, and which words must be held."""

from __future__ import annotations

from assistant.programme.judge import FEATURES, load
from assistant.programme.matching import parse, period_listing
from assistant.programme.records import Records
from assistant.prompt import Turn
from assistant.retrieval.periods import Period
from vectorstore.store import Store


def test_everyday_words_become_the_records_words() -> None:
    assert parse("When was the programme launched?").words == ["establish"]
    assert parse("what year did they join ICAT").words == ["member", "icat"]


def test_what_the_question_asks_is_read_from_the_vocabulary() -> None:
    assert {"between"} <= parse("How many years between the two referral mechanisms?").intents
    assert {"order"} <= parse("Which came first, the TRM-SEE or the TRM-EU?").intents
    assert "count" in parse("How many studies are there?").intents


def test_a_count_of_anything_but_records_is_marked() -> None:
    assert "uncountable" not in parse("How many studies did ICMPD publish?").intents
    assert "uncountable" in parse("How many staff work in the programme?").intents


def test_that_year_is_the_year_the_conversation_named() -> None:
    history = [Turn("user", "What happened in 2017?"), Turn("assistant", "2017: ICMPD ...")]
    assert parse("and what did they publish that year?", history).period == Period(2017, 2017)
    assert parse("and what did they publish that year?").period is None


def test_the_shipped_judge_weighs_every_feature() -> None:
    """A question that reads like one the records answer (`asks` 2) is answered when a record
    holds all of it, and refused when the records hold a fifth of its weight."""
    judge = load()
    assert judge.scorer.reads <= set(FEATURES)
    assert {"coverage", "unknown", "dense", "asks"} <= judge.scorer.reads
    strong = dict.fromkeys(FEATURES, 0.0) | {"coverage": 1.0, "words": 0.7, "asks": 2.0}
    weak = strong | {"coverage": 0.2, "unknown": 0.8}
    assert judge.answers(strong) and not judge.answers(weak)
    assert judge.probability(strong | {"coverage": 0.4}) < judge.probability(strong)


def test_boosted_trees_add_each_trees_leaf_to_the_baseline() -> None:
    """As scikit-learn's trees split: a value at the threshold goes left."""
    from assistant.programme.judge import SCORERS

    trees = [[["coverage", 0.5, 1, 2], [-1.0], [2.0]], [[0.25]]]
    scorer = SCORERS["boosted"]({"baseline": 0.5, "trees": trees})
    assert scorer.log_odds({"coverage": 0.5}) == -0.25
    assert scorer.log_odds({"coverage": 0.9}) == 2.75
    assert scorer.reads == {"coverage"}
    linear = SCORERS["logistic"]({"weights": {"coverage": 2.0, "dense": 1.0}, "bias": -1.0})
    assert linear.log_odds({"coverage": 0.5, "dense": 0.5}) == 0.5


def test_the_shipped_asks_model_tells_programme_questions_from_others(records_only) -> None:
    """Fitted over question embeddings: wording the records' words miss still reads as a
    question they answer, and a question about what no record holds reads as one they do not."""
    from assistant.programme.answers import Programme
    from assistant.retrieval import Retriever

    programme = Programme(records_only, Retriever(records_only))
    theirs = ["When did ICMPD start its anti-trafficking work?", "stuff written for the police?"]
    others = ["What is the programme's annual budget?", "How many people work there?"]

    assert min(map(programme.asks, theirs)) > 0 > max(map(programme.asks, others))


def test_the_shipped_topic_model_reads_search_words_as_asked(records_only) -> None:
    """Typed as bare search words, a question keeps its topic: the programme's own still reads
    as the programme's, a report's figure or a court case does not."""
    from assistant.programme.answers import Programme
    from assistant.programme.fit import keywords
    from assistant.retrieval import Retriever

    programme = Programme(records_only, Retriever(records_only))
    theirs = ["icmpd anti-trafficking programme start year", "icmpd handbook for judges"]
    others = ["shelter places for victims 2011", "supreme court ruling exploitation factors"]

    assert all(map(programme.about, theirs))
    assert not any(map(programme.about, others))
    assert keywords("How many shelter places were there in 2011?") == "shelter places 2011"


def test_asks_is_neutral_without_a_model_or_for_another_embedding_size() -> None:
    import numpy as np

    from assistant.programme.judge import Judge, Linear

    assert Judge(Linear({})).asks(np.ones(384), "who wrote it") == 0.0
    fitted = Judge(
        Linear({}), asks_weights=np.ones(3), asks_bias=1.0, asks_terms={"wrote": (1, -2)}
    )
    assert fitted.asks(np.ones(384), "who wrote it") == 0.0
    assert fitted.asks(np.ones(3), "when was it") == 4.0
    assert fitted.asks(np.ones(3), "who wrote it") == 2.0  # the one word known, normalised


def test_wording_no_record_holds_still_offers_the_nearest_record(records_only) -> None:
    from assistant.programme.answers import Programme
    from assistant.retrieval import Retriever

    programme = Programme(records_only, Retriever(records_only))
    question = "support for people heading home after migrating"
    offered = list(programme.candidates(question))
    near = programme.nearness(question)
    assert len(offered) == 1
    _, found, values = offered[0]
    assert [r.id for r in found.records] == [max(near, key=near.get)]
    assert values["dense"] == max(near.values())
    # a count of something the records don't count, or a year nothing is dated in: none
    assert not list(programme.candidates("how many people heading home after migrating"))
    assert not list(programme.candidates("support for people heading home in 1990"))


def test_a_question_is_embedded_once_for_the_records_and_the_search(
    records_only, monkeypatch
) -> None:
    from tests.assistant.programme.conftest import extractive

    assistant = extractive(records_only)
    assistant.ask("what did they write for judges")  # the records' own vectors, once
    encoded: list[list[str]] = []
    encode = records_only.embedder.encode
    monkeypatch.setattr(
        records_only.embedder, "encode", lambda texts: encoded.append(list(texts)) or encode(texts)
    )
    assistant.ask("support for people heading home after migrating")
    assert encoded.count(["support for people heading home after migrating"]) == 1


def test_a_span_counted_from_an_end_is_a_period_not_the_earliest_or_latest() -> None:
    assert not {"first", "latest"} & parse("milestones of the first decade, 2002 to 2011").intents
    assert not {"first", "latest"} & parse("what did they publish in the last five years").intents
    assert "first" in parse("what was the first year they trained police").intents
    assert "latest" in parse("the latest publication for judges").intents


def test_a_term_holding_an_intents_word_asks_nothing() -> None:
    """A "first responder" is a person and a court "of first instance" a court: not the
    earliest record."""
    assert "first" not in parse("what is a first responder").intents
    assert "first" not in parse("judgments at first instance in 2010").intents
    assert "first" in parse("what was the first regional TRM?").intents
    assert (
        "first"
        in parse("who were the first responders trained by ICMPD, and the first ones?").intents
    )


def test_a_period_with_words_no_record_holds_is_also_read_as_its_listing(
    records_only: Store,
) -> None:
    """ "What did the unit get up to in 2021": the words set aside, the year's records, for the
    judge to weigh (its `listing` feature); never for a count of something else."""
    records = Records(records_only.iter_chunks())
    listing = period_listing(parse("what did the unit get up to in 2021"), records, records.items)
    assert listing is not None and listing.extra == {"listing": True}
    asked = {r.id for r in records.items if r.year == 2021 and r.kind == "milestone"}  # "did"
    assert {r.id for r in listing.records} == asked
    assert (
        period_listing(parse("how many victims were helped in 2021"), records, records.items)
        is None
    )
    assert period_listing(parse("what happened in 2021"), records, records.items) is None
    assert "listing" in FEATURES
