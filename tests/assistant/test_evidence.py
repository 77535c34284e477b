"""The evidence tests that decide a refusal, on hand-made passages with known words."""

from __future__ import annotations

from assistant.judging.asked import (
    asked_kind,
    lacks_a_count_for_the_year,
    lacks_the_contact,
    lacks_the_quantity,
    lacks_the_succession,
)
from assistant.retrieval.evidence import (
    name_like,
    names_an_absent_subject,
    names_an_absent_year,
    question_parts,
    stated_years,
    strength,
)
from assistant.retrieval.keyword import KeywordIndex
from assistant.retrieval.periods import Period
from assistant.text import sentence_spans, tokens
from tests.assistant.test_citations import CHUNKS
from vectorstore.records import Chunk

PROGRAMME = [
    "ICMPD established the Anti-Trafficking Programme in 2002.",
    "The ICMPD Anti-Trafficking Programme published referral guidelines in 2010.",
    "The ICMPD Anti-Trafficking Programme joined ICAT in 2017.",
]


def index_over(texts: list[str]) -> KeywordIndex:
    base = CHUNKS[1]
    chunks = [
        Chunk(**{**base.__dict__, "doc_id": f"d{i}", "text": t, "end": len(t)})
        for i, t in enumerate(texts)
    ]
    filler = [
        Chunk(**{**base.__dict__, "doc_id": f"f{i}", "text": t, "end": len(t)})
        for i, t in enumerate(
            ["The annual budget was approved.", "Labour inspectors visited farms."] * 5
        )
    ]
    return KeywordIndex(chunks + filler)


def test_a_year_no_passage_mentions_or_dates_from_is_absent() -> None:
    query = tokens("How many referrals were made in 2025?")

    assert names_an_absent_year(query, PROGRAMME, dated=False)
    assert not names_an_absent_year(query, PROGRAMME, dated=True)
    assert not names_an_absent_year(query, ["In 2025 there were 19,125 referrals."], dated=False)
    assert not names_an_absent_year(tokens("How many referrals?"), PROGRAMME, False)


def test_a_year_that_dates_a_cited_source_is_not_a_year_the_passage_speaks_of() -> None:
    """A 2016 report's tables end in 2015; its "(2016)" citations do not answer about 2016."""
    text = (
        "See Van Dijk and van der Heijden (2016), Research Brief. Source: CBS, 2017. "
        "In 2014 there were 1,561 presumed victims (UNODC, 2018; Smith et al. 2019)."
    )

    assert stated_years(text) == {"2014"}
    assert names_an_absent_year(tokens("And in 2016?"), [text], dated=False)
    assert not names_an_absent_year(tokens("And in 2014?"), [text], dated=False)


def test_milestones_in_a_period() -> None:
    base = CHUNKS[1]
    records = [
        Chunk(
            **{
                **base.__dict__,
                "doc_id": "milestones",
                "kind": "milestone",
                "year": y,
                "period_start": s,
                "index": i,
                "page": None,
            }
        )
        for i, (s, y) in enumerate([(2002, 2002), (2015, 2017)])
    ]
    index = KeywordIndex([*records, CHUNKS[2]])

    assert [c.year for c in index.milestones_in(Period(2016, 2016))] == [2017]
    assert index.milestones_in(Period(2030, 2030)) == []
    assert index.milestones_in(Period(2013, 2013)) == []  # a publication is not a milestone


def test_a_count_needs_a_number_beside_what_is_counted() -> None:
    texts = [
        "The Training Curriculum for Labour Inspectors was published in 2018.",
        "Inspectors attended 24 hours of classroom training and two field visits.",
    ]
    assert not lacks_the_quantity("How many hours of training do inspectors get?", texts)
    assert lacks_the_quantity("How many hours of training do inspectors get?", texts[:1])
    # A year is not a count, and a number beside something else does not count it.
    assert lacks_the_quantity("How many staff work in the programme?", texts)


def test_how_much_needs_any_figure_and_other_questions_need_none() -> None:
    texts = ["Victims were told to repay EUR 40,000 for the journey."]
    assert not lacks_the_quantity("How much did they have to repay?", texts)
    assert lacks_the_quantity("How much did they have to repay?", ["They had to repay a debt."])
    assert not lacks_the_quantity("Who referred the victims?", ["No figures here."])


def test_a_question_on_spending_needs_an_amount_of_money() -> None:
    services = [
        "The Salvation Army supports adult survivors through a government contract.",
        "The contract started in 2021 and covers 14 regions.",
    ]
    question = "How much does the government spend each year on the victim care contract?"
    assert lacks_the_quantity(question, services)  # figures, but none of them is money
    for amount in ("It is worth £1.2 billion.", "It costs GBP 60 million a year.", "$5,000"):
        assert not lacks_the_quantity(question, [*services, amount]), amount
    # "How much" about something else is still satisfied by any figure.
    assert not lacks_the_quantity("How much of the budget went to shelters?", ["About 40%."])


def test_a_name_no_best_document_mentions_is_an_absent_subject() -> None:
    dutch = "Article 273f of the Dutch Criminal Code sets a maximum sentence of 12 years."
    index = index_over([dutch, "Victims from Moldova were referred to shelters in Chisinau."])
    question = "What is the maximum sentence under the Criminal Code of Moldova?"

    assert names_an_absent_subject(question, ["d0"], index)
    assert not names_an_absent_subject(question, ["d0", "d1"], index)  # d1 mentions Moldova
    assert not names_an_absent_subject(question, [], index)


def test_names_opening_a_sentence_and_acronyms_do_not_count() -> None:
    index = index_over(["Article 273f of the Dutch Criminal Code sets a maximum sentence."])

    assert not names_an_absent_subject(
        "Maximum sentence in the Dutch Criminal Code?", ["d0"], index
    )
    assert not names_an_absent_subject("What does the DCC say? Penalties are high.", ["d0"], index)
    # An ordinal capitalised in a report's title ("the Eighth Report") names nothing.
    assert not names_an_absent_subject("What does the Eighth Report say?", ["d0"], index)
    assert names_an_absent_subject("What does the Belgian Report say?", ["d0"], index)
    assert not names_an_absent_subject(
        "What maximum sentence (Dutch Criminal Code)?", ["d0"], index
    )
    assert names_an_absent_subject("What does the Dutch Code say in Sweden?", ["d0"], index)


def test_a_name_anywhere_in_the_document_counts_not_only_in_the_passage() -> None:
    fact = "Sampling frames were built from digital images of farm housing."
    credit = "Researchers at RTI International and Esser describe the method."
    chunks = [
        Chunk(**{**CHUNKS[1].__dict__, "doc_id": "forum", "text": t, "end": len(t), "index": i})
        for i, t in enumerate([fact, credit])
    ]
    index = KeywordIndex(chunks)

    assert not names_an_absent_subject(
        "According to Esser, how were sampling frames built?", ["forum"], index
    )


def test_what_is_the_budget_asks_for_an_amount_of_money() -> None:
    texts = ["The project with the ECOWAS Commission started in 2019 in 15 member states."]
    assert lacks_the_quantity("What is the budget of the ECOWAS project?", texts)
    assert lacks_the_quantity("What was the total cost of the pilot?", texts)
    assert lacks_the_quantity("What did the pilot cost to carry out?", texts)
    assert not lacks_the_quantity(
        "What is the budget of the ECOWAS project?", [*texts, "Its budget is EUR 3.5 million."]
    )
    # Cost-effectiveness is not an amount, and other "what is" questions need no figure.
    assert not lacks_the_quantity("What was the cost-effectiveness of the pilot?", texts)
    assert not lacks_the_quantity("What is the aim of the ECOWAS project?", texts)


def test_who_asks_for_a_name_only_where_it_asks_a_question() -> None:
    """A relative "who" ("the inspectors who visited") asks for no name: read as one, the
    answer led with any sentence holding a name, a report's title block and its author."""
    assert asked_kind("Who funded the referral pilot?") == "name"
    assert asked_kind("Tell me who wrote the handbook") == "name"
    assert asked_kind("police manual who is it for") == "name"
    assert asked_kind("Which organisation runs the helpline?") == "name"
    assert asked_kind("What did the inspectors who visited the farms find?") is None
    assert asked_kind("Can the cousin who came along act as interpreter?") is None
    # a clause of its own after another question: the count leads, the name is its part
    assert asked_kind("How many countries signed, and who signed first?") == "count"
    assert asked_kind("Which countries signed, and who signed first?") == "name"


def test_the_counted_thing_may_be_a_code_with_digits() -> None:
    texts = ["In 2011, 194 B9 permits were granted to possible victims."]
    assert not lacks_the_quantity("How many B9 permits were granted each year?", texts)
    assert lacks_the_quantity("How many B9 permits were granted?", ["In 2011, 194 visas."])


def test_a_long_question_needs_a_smaller_share_of_its_words() -> None:
    assert strength(0.8, 0.45, words=9) == 0.45
    assert strength(0.8, 0.45, words=10) == 0.45
    assert round(strength(0.8, 0.40, words=17), 2) == 0.52  # 17 words: 0.38 is enough
    assert strength(0.8, 0.9, words=40) == 1.0
    assert strength(0.2, 0.9, words=12) == 0.0  # off topic however many words match


def test_a_word_derived_from_an_indexed_one_is_not_unknown() -> None:
    index = index_over(["Support came slowly for the rule of law.", "A slow start."])

    assert index.unknown(tokens("Was support slower?")) == []
    assert index.unknown(tokens("Who is the ruler?")) == []
    assert index.unknown(tokens("Was the stroopwafel slower?")) == ["stroopwafel"]


def test_only_words_written_like_names_or_codes_can_be_unknown_subjects() -> None:
    question = "What yardstick did EMPACT use under Article 433quinquies in New Zealand?"

    assert name_like(question) == ["empact", "articl", "433quinquy", "new", "zealand"]
    assert name_like("how do i cook erwtensoep?") == []
    # A number in shorthand is not a code: no report writes "100k".
    assert name_like("victim rate per 100k for girls, 2.5m in total") == []
    # Nor is an ordinal in figures (reports spell "thirty-ninth"), nor "I'd" or "I’m".
    assert name_like("After the 39th and 40th sessions, I'd like the 41st") == []
    assert name_like("I’m asking about the 2nd EMPACT cycle") == ["empact"]
    # A decade is a period, however it is written.
    assert name_like("the law of the 80s, the '90s and the 2000s, not the 1990s") == []
    assert name_like("the 80s, not the 85s") == ["85s"]


def test_a_count_for_one_year_needs_that_year_beside_a_number() -> None:
    question = "How many victims were identified in the Netherlands in 2022?"
    older = ["In 2015, 1,321 possible victims were registered by CoMensha."]

    assert lacks_a_count_for_the_year(question, older)
    assert not lacks_a_count_for_the_year(question, [*older, "In 2022 there were 1,100."])
    # The year alone is not a count, a range is left to the other rules, as is a non-count.
    assert lacks_a_count_for_the_year(question, ["The 2022 report was published late."])
    assert not lacks_a_count_for_the_year("How many victims between 2010 and 2015?", older)
    assert not lacks_a_count_for_the_year("What changed in 2022?", older)


def test_contact_details_asked_for_must_be_on_the_page() -> None:
    about = ["The helpline is open around the clock for anyone with concerns."]

    assert lacks_the_contact("What's the phone number for the helpline?", about)
    assert lacks_the_contact("Is it open around the clock, and what's the number?", about)
    assert lacks_the_contact("What is the email address of the helpline?", about)
    # Typed as a search, or asked whether there is one.
    assert lacks_the_contact("phone number for the helpline", about)
    assert lacks_the_contact("Is there an e-mail address for the helpline?", about)
    assert not lacks_the_contact("What's the phone number?", ["Call 0800 0121 700."])
    assert not lacks_the_contact("What is its email address?", ["Write to help@example.org."])
    assert not lacks_the_contact("What is CoMensha's website?", ["See www.comensha.nl."])
    # Typed as people type: no apostrophe, "help line", a number to call.
    assert lacks_the_contact("whats the phone number for the help line", about)
    assert lacks_the_contact("whats the uk help line number", about)
    assert lacks_the_contact("my neighbour is forced to work, what number can i call?", about)
    assert not lacks_the_contact("what number can i call", ["Call 0800 0121 700."])
    # A number mentioned, not asked for; the number of something is a count.
    assert not lacks_the_contact("Do children carrying phone numbers of contacts count?", about)
    assert not lacks_the_contact("What's the number of victims in 2015?", about)
    # Years and short runs of figures are not numbers to call.
    police = ["The police made 69% of the notifications in 2010 (69 of 2007-2011)."]
    assert lacks_the_contact("What is CoMensha's telephone number?", police)
    assert not lacks_the_contact("What is its phone number?", ["Tel.: (+43-1) 26060-0."])
    assert not lacks_the_contact("What is the website?", ["See www.site2.org."])


def test_a_question_for_a_successor_needs_a_passage_about_the_succession() -> None:
    term = ["Corinne Dettmeijer-Vermeulen was National Rapporteur from 2006 to 2017."]
    handover = ["In 2017 Herman Bolhaar succeeded her as National Rapporteur."]

    assert lacks_the_succession("Who succeeded Corinne Dettmeijer-Vermeulen?", term)
    assert lacks_the_succession("Who took over as Rapporteur after her term?", term)
    assert lacks_the_succession("Who replaced her, and when?", term)
    assert not lacks_the_succession("Who succeeded Corinne Dettmeijer-Vermeulen?", handover)
    assert not lacks_the_succession("Who was appointed after her?", term)  # not a succession ask
    # Not asked: "followed" as a procedure, a successor named in passing is still asked about.
    assert not lacks_the_succession("Which procedure is followed after a referral?", term)
    assert lacks_the_succession("What budget did the successor programme get?", term)


def test_passage_tokens_are_cached_and_equal_to_a_fresh_reading() -> None:
    index = index_over(PROGRAMME)
    text = "ICMPD joined ICAT in 2017. It became the first non-UN member."

    first = index.sentences_of(text)
    assert index.sentences_of(text) is first  # read once
    assert [(a, b) for a, b, _ in first] == list(sentence_spans(text))
    assert [w for *_, w in first] == [frozenset(tokens(text[a:b])) for a, b, _ in first]
    assert index.coverage(tokens("ICAT member"), text) == 1.0


def test_a_compound_question_is_split_into_the_questions_it_asks() -> None:
    assert question_parts(
        "How many states are party to the Convention now, and who joined last?"
    ) == ["How many states are party to the Convention now", "who joined last"]
    assert question_parts(
        "Tell us about Sudan: how long did returns take; how many returnees went home?"
    ) == [
        "Tell us about Sudan",
        "how long did returns take",
        "how many returnees went home",
    ]
    # One question, however long; "and" between two nouns; a part of one word.
    assert question_parts("Who signed the foreword and the preface of the research brief?") == []
    assert question_parts("Is it open around the clock, and what is the number?") == []
