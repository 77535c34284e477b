"""The timeline and catalogue answered as records, on a records-only index and beside a PDF."""

from __future__ import annotations

import re

import pytest

from assistant.answer import Answer
from assistant.chat import RECORDS_DECLINED, Assistant
from assistant.judging.features import DESCRIPTIONS, reason
from assistant.prompt import Turn
from ingest import catalogue
from tests.assistant.programme.conftest import extractive
from vectorstore.store import Store

RECORDS = {m.id: m for m in catalogue.milestones()} | {p.id: p for p in catalogue.publications()}


def cited(answer: Answer) -> list[str]:
    return [s.id for s in answer.sources]


def assert_cites_records_verbatim(answer: Answer, store: Store) -> None:
    """Each source is a record (kind milestone or publication) whose stored text is its quote,
    and each [n] in the answer has its source."""
    stored = {c.ref_id: c.text for c in store.iter_chunks() if c.page is None}
    for source in answer.sources:
        assert source.kind == ("milestone" if source.id.startswith("ms-") else "publication")
        assert source.page is None
        assert source.quote == stored[source.id]
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert markers == {s.n for s in answer.sources}


def test_the_programme_launch_is_answered_from_the_2002_milestone(
    assistant: Assistant, records_only: Store
) -> None:
    answer = assistant.ask("When was the programme launched?")
    assert not answer.refused
    assert cited(answer) == ["ms-2002-programme-established"]
    assert "2002" in answer.text
    assert_cites_records_verbatim(answer, records_only)


@pytest.mark.parametrize(
    ("question", "record", "fact"),
    [
        ("In which year did ICMPD become a member of ICAT?", "ms-2017-icat-member", "2017"),
        ("when did icmpd start working on trafficking", "ms-2002-programme-established", "2002"),
        ("did they do anything in west africa", "ms-2023-west-africa", "ECOWAS"),
        ("What have they written for the police?", "how-to-investigate-training-manual", "2014"),
    ],
)
def test_careful_and_everyday_wording_reach_the_record(
    assistant: Assistant, records_only: Store, question: str, record: str, fact: str
) -> None:
    answer = assistant.ask(question)
    assert not answer.refused
    assert record in cited(answer)
    assert fact in answer.text
    assert_cites_records_verbatim(answer, records_only)


def test_publications_for_an_audience_are_those_written_for_it(assistant: Assistant) -> None:
    answer = assistant.ask("What have they written for the police?")
    ids = set(cited(answer))
    assert ids == {"frontline-law-enforcement-training-guide", "how-to-investigate-training-manual"}


def test_years_between_two_milestones_are_computed_from_both(
    assistant: Assistant, records_only: Store
) -> None:
    answer = assistant.ask(
        "How many years passed between the programme's establishment and ICMPD joining ICAT?"
    )
    assert cited(answer) == ["ms-2002-programme-established", "ms-2017-icat-member"]
    assert re.match(  # the computed figure, which is what was asked, comes first
        r"Computed from the years of \[1\] and \[2\]: 2017 - 2002 = 15 years", answer.text
    )
    assert_cites_records_verbatim(answer, records_only)


def test_a_computed_figure_names_a_milestone_by_what_was_done(assistant: Assistant) -> None:
    """Not by the phrase its statement opens with ("In its first regional action, ICMPD set
    Regional Standards ...")."""
    answer = assistant.ask(
        "How many years between the police training standards and the labour inspectors curriculum?"
    )
    assert answer.text.startswith("Computed from the years of [1] and [2]: 2018 - 2004 = 14")
    assert "between 'ICMPD set Regional Standards for Anti-Trafficking Police Training" in (
        answer.text
    )


def test_which_came_first_compares_the_two_records_years(assistant: Assistant) -> None:
    answer = assistant.ask(
        "Which came first, the media guidelines or the training curriculum for labour inspectors?"
    )
    assert set(cited(answer)) >= {"media-thb-guidelines", "labour-inspectors-training-curriculum"}
    assert answer.text.startswith("Compared from")
    computed = answer.text[: answer.text.index("[1]", answer.text.index("after it"))]
    assert computed.index("Media") < computed.index("Labour Inspectors")
    assert "2 years before" in computed
    one = assistant.ask(
        "Which came first, the TRM-SEE guidelines or the TRM-EU guidelines for Europe?"
    )
    assert one.text.startswith("Compared from") and " 1 year before " in one.text, one.text


def test_a_count_in_a_period_counts_the_records_it_cites(assistant: Assistant) -> None:
    answer = assistant.ask("How many publications came out between 2014 and 2018?")
    expected = {p.id for p in catalogue.publications() if 2014 <= p.year <= 2018}
    assert set(cited(answer)) == expected
    assert answer.text.startswith(f"Count: {len(expected)} publications")


def test_first_and_latest_pick_by_year(assistant: Assistant) -> None:
    first = assistant.ask("What was the first study ICMPD published?")
    latest = assistant.ask("What is the newest study they published?")
    studies = [p for p in catalogue.publications() if p.type == "study"]
    assert cited(first) == [min(studies, key=lambda p: p.year).id]
    assert cited(latest) == [max(studies, key=lambda p: p.year).id]


def test_a_question_about_the_future_is_the_timelines_outlook(assistant: Assistant) -> None:
    """Plans typed as "going forward" or "in the future" reach the item the timeline ends with,
    not the records a bare "next" would list from 2002; a year after the timeline is refused."""
    outlook = [m.id for m in catalogue.milestones() if "outlook" in m.work]
    for question in ("What does the programme intend to do in the future?", "and moving forward?"):
        answer = assistant.ask(question)
        assert cited(answer) == outlook, answer.text
    assert assistant.ask("What does the programme plan to publish in 2028?").refused


def test_what_came_of_a_milestone_is_its_publication(assistant: Assistant) -> None:
    answer = assistant.ask("What came of the research on the Syrian war?")
    assert cited(answer)[:2] == ["ms-2016-syria-research", "targeting-vulnerabilities-syria"]


def test_a_followup_takes_the_year_from_the_conversation(assistant: Assistant) -> None:
    first = assistant.ask("What did ICMPD do in 2018?")
    history = [Turn("user", "What did ICMPD do in 2018?"), Turn("assistant", first.text)]
    answer = assistant.ask("and what did they publish that year?", history)
    expected = {p.id for p in catalogue.publications() if p.year == 2018}
    assert set(cited(answer)) == expected


def test_a_question_about_a_year_stands_on_its_own_after_another_topic(
    assistant: Assistant,
) -> None:
    """ "what happened in 2014" names its period and asks about it: the question before (on
    another record) does not narrow it; "and in 2008?" still leans on the question before."""
    first = assistant.ask("When did ICMPD become a member of ICAT?")
    history = [
        Turn("user", "When did ICMPD become a member of ICAT?"),
        Turn("assistant", first.text),
    ]
    after = assistant.ask("what happened in 2014", history)
    alone = assistant.ask("what happened in 2014")
    assert not after.refused, after.text
    assert cited(after) == cited(alone)
    assert {m.id for m in catalogue.milestones() if m.year_label == 2014} <= set(cited(after))

    first = assistant.ask("What did ICMPD do in 2018?")
    history = [Turn("user", "What did ICMPD do in 2018?"), Turn("assistant", first.text)]
    assert set(cited(assistant.ask("and in 2008?", history))) == {
        m.id for m in catalogue.milestones() if m.year_label == 2008
    }

    # "that year" takes its year from the conversation and asks for all of that year
    first = assistant.ask("When did ICMPD start supporting national referral mechanisms?")
    history = [
        Turn("user", "When did ICMPD start supporting national referral mechanisms?"),
        Turn("assistant", first.text),
    ]
    others = assistant.ask("which other things did they do that year?", history)
    assert {m.id for m in catalogue.milestones() if m.year_label == 2014} <= set(cited(others))


def test_a_followup_asking_how_things_stand_now_gets_the_latest_record(
    assistant: Assistant,
) -> None:
    """ "now" after a question on one record asks for the latest on its subject, though that
    record does not hold the earlier question's other words."""
    first = assistant.ask("In which year did ICMPD join ICAT?")
    history = [Turn("user", "In which year did ICMPD join ICAT?"), Turn("assistant", first.text)]
    answer = assistant.ask("and what is its position in it today?", history)
    assert cited(answer) == ["ms-2023-icat-co-chair"], answer.text


def test_a_followup_reads_a_misspelt_question_before_it_as_respelt(assistant: Assistant) -> None:
    """The conversation's questions are read with the same spelling fixes as the new one, so a
    slip in the earlier question does not change what the follow-up refers to."""
    asked = "wen was ICMPD made a member of ICAT"
    first = assistant.ask(asked)
    assert cited(first) == ["ms-2017-icat-member"], first.text
    history = [Turn("user", asked), Turn("assistant", first.text)]
    answer = assistant.ask("and what is its position in it today?", history)
    assert cited(answer) == ["ms-2023-icat-co-chair"], answer.text


def test_a_followup_asking_what_came_after_moves_on_along_the_timeline(
    assistant: Assistant,
) -> None:
    first = assistant.ask("What did ICMPD do in 2016?")
    history = [Turn("user", "What did ICMPD do in 2016?"), Turn("assistant", first.text)]
    following = assistant.ask("and in the following year?", history)
    assert set(cited(following)) == {
        m.id for m in catalogue.milestones() if m.year_label == 2017
    }, following.text

    # "afterwards": the next record on the subject, not the one asked about or its publication
    asked = "When was the first regional transnational referral mechanism piloted?"
    first = assistant.ask(asked)
    history = [Turn("user", asked), Turn("assistant", first.text)]
    after = assistant.ask("what did they do with it afterwards?", history)
    assert not after.refused, after.text
    assert "ms-2014-trm-eu" in cited(after), after.text
    assert not {"ms-2008-trm-see", "trm-see-guidelines"} & set(cited(after)), after.text


@pytest.mark.parametrize(
    "question",
    [
        "What is the annual budget of the Anti-Trafficking Programme?",
        "How many people work for the programme?",
        "What did ICMPD do in 2026?",
        "How many labour inspectors were trained with the curriculum?",
        "Who are the authors of the media guidelines?",
    ],
)
def test_what_the_records_do_not_hold_is_refused(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.refused, answer.text


def test_a_record_answers_beside_a_weak_report(records_and_report: Store) -> None:
    assistant = extractive(records_and_report)
    answer = assistant.ask("When was the programme launched?")
    assert not answer.refused
    assert cited(answer) == ["ms-2002-programme-established"]


def test_a_question_about_the_report_goes_to_its_page(records_and_report: Store) -> None:
    """No record holds it, so the records stage passes it to the passages."""
    assistant = extractive(records_and_report)
    assert assistant.programme.answer("How many calls did the hotline receive in 2019?") is None
    answer = assistant.ask("How many calls did the national trafficking hotline receive in 2019?")
    assert not answer.refused
    assert "512" in answer.text
    first = answer.sources[0]
    assert (first.page, first.kind) == (2, "publication") and "512 calls" in first.quote


def test_a_bare_year_after_a_question_on_the_report_is_not_the_records(
    records_and_report: Store,
) -> None:
    """ "and in 2010?" follows the report's question; the records stage does not take it for a
    question about what the timeline dates in 2010."""
    assistant = extractive(records_and_report)
    question = "How many calls did the national trafficking hotline receive in 2019?"
    history = [Turn("user", question), Turn("assistant", assistant.ask(question).text)]
    # nor a short follow-up whose one word a record holds: it is read with the report's question
    for follow in ("and in 2010?", "in 2008?", "and in europe?"):
        assert assistant.programme.answer(follow, history) is None
        assert not assistant.programme.owns(assistant.ask(follow, history).sources)
    # after a question the records answer, the same words read the timeline
    first = "What did ICMPD do in 2018?"
    history = [Turn("user", first), Turn("assistant", assistant.ask(first).text)]
    after = assistant.programme.answer("and in 2008?", history)
    assert after is not None and {RECORDS[i].year_label for i in cited(after)} == {2008}


def test_another_organisations_page_is_not_added_beside_a_programme_answer(
    records_and_report: Store,
) -> None:
    """Read with the hotline question before it, the launch question finds the hotline's page
    by that question's words; beside the records' answer only the programme's pages speak."""
    assistant = extractive(records_and_report)
    question = "How many calls did the national trafficking hotline receive in 2019?"
    history = [Turn("user", question), Turn("assistant", assistant.ask(question).text)]
    answer = assistant.ask("When was the programme launched?", history)
    assert cited(answer) == ["ms-2002-programme-established"]
    assert "From the publications" not in answer.text
    assert "512 calls" in assistant.ask(question).text  # the report still answers its own


def test_the_stream_yields_the_text_then_the_answer(assistant: Assistant) -> None:
    events = list(assistant.stream("When was the programme launched?"))
    assert isinstance(events[-1], Answer)
    assert "".join(e for e in events if isinstance(e, str)) == events[-1].text


def test_two_named_records_joined_by_or_are_compared(assistant: Assistant) -> None:
    answer = assistant.ask("the how to investigate manual vs the media guidelines, which first?")
    assert set(cited(answer)) >= {"how-to-investigate-training-manual", "media-thb-guidelines"}
    assert "Compared from the years of" in answer.text


def test_a_year_in_a_two_record_question_dates_one_of_them(
    assistant: Assistant, records_only: Store
) -> None:
    answer = assistant.ask(
        "How many years after the 2004 police training standards did ICMPD join ICAT?"
    )
    assert cited(answer) == ["ms-2004-police-training-standards", "ms-2017-icat-member"]
    assert "2017 - 2004 = 13 years" in answer.text
    assert_cites_records_verbatim(answer, records_only)


def test_a_year_nothing_is_dated_in_is_refused_with_the_spanning_items(
    assistant: Assistant,
) -> None:
    dated = {m.year_label for m in catalogue.milestones()} | {
        p.year for p in catalogue.publications()
    }
    year = next(y for y in range(2009, 2023) if y not in dated)
    answer = assistant.ask(f"What did the programme do in {year}?")
    assert answer.refused, answer.text
    assert answer.why == ["no timeline item or publication is dated in the years asked"]
    spanning = {m.id for m in catalogue.milestones() if m.period[0] <= year <= m.period[1]}
    assert set(cited(answer)) == spanning
    assert f"date nothing in {year}" in answer.text


def test_a_year_only_the_catalogue_dates_lists_its_publications(assistant: Assistant) -> None:
    labels = {m.year_label for m in catalogue.milestones()}
    year = next(p.year for p in catalogue.publications() if p.year not in labels)
    answer = assistant.ask(f"What happened in {year}?")
    assert not answer.refused, answer.text
    assert set(cited(answer)) == {p.id for p in catalogue.publications() if p.year == year}


def test_right_after_a_year_is_the_next_label_on_the_timeline(assistant: Assistant) -> None:
    answer = assistant.ask("what was on the timeline right after 2008")
    following = min(m.year_label for m in catalogue.milestones() if m.year_label > 2008)
    expected = {m.id for m in catalogue.milestones() if m.year_label == following}
    assert set(cited(answer)) == expected


def test_a_count_of_listed_milestones_ignores_the_word_listed(assistant: Assistant) -> None:
    answer = assistant.ask("How many milestones are listed for 2014?")
    expected = [m for m in catalogue.milestones() if m.year_label == 2014]
    assert f"Count: {len(expected)} milestones" in answer.text


def test_a_download_link_asked_for_is_the_publications_own(assistant: Assistant) -> None:
    """The link leads the answer, marked with the record it is the link of."""
    guidelines = next(p for p in catalogue.publications() if p.id == "media-thb-guidelines")
    answer = assistant.ask("where can I download the media guidelines?")
    assert cited(answer) == ["media-thb-guidelines"]
    assert answer.text.startswith(f"Download for [1]: {guidelines.url}")
    curriculum = "Is there a training curriculum for labour inspectors?"
    first = assistant.ask(curriculum)
    history = [Turn("user", curriculum), Turn("assistant", first.text)]
    link = assistant.ask("can I have the link", history)
    assert cited(link) == ["labour-inspectors-training-curriculum"]
    assert link.text.startswith("Download for [1]: https://")
    assert "Download" not in first.text  # given when asked for, not otherwise


@pytest.mark.parametrize(
    "question",
    [
        "Is the media guidelines document downloadable?",
        "can I read the media guidelines online",
        "where can I read the guidelines for media reporting on trafficking?",
    ],
)
def test_a_link_may_be_asked_for_as_reading_it_online(assistant: Assistant, question: str) -> None:
    url = next(p.url for p in catalogue.publications() if p.id == "media-thb-guidelines")
    assert assistant.ask(question).text.startswith(f"Download for [1]: {url}")


def test_years_between_may_be_asked_as_years_from_one_to_the_other(assistant: Assistant) -> None:
    answer = assistant.ask("years from programme launch to icat membership")
    assert "2017 - 2002 = 15 years" in answer.text


def test_a_count_over_consecutive_years_listed_counts_each(assistant: Assistant) -> None:
    answer = assistant.ask("How many milestones are listed for 2016, 2017 and 2018?")
    expected = [m for m in catalogue.milestones() if 2016 <= m.year_label <= 2018]
    assert f"Count: {len(expected)} milestones" in answer.text


def test_a_count_may_name_what_it_counts_after_of_the(assistant: Assistant) -> None:
    answer = assistant.ask("How many of the listed publications came out in 2023?")
    expected = {p.id for p in catalogue.publications() if p.year == 2023}
    assert set(cited(answer)) == expected
    assert answer.text.startswith(f"Count: {len(expected)} publications")
    staff = assistant.ask("how many staff work on its publications?")
    assert staff.refused, staff.text  # the staff are counted, not the publications


def test_titles_named_in_a_two_record_question_are_the_publications(assistant: Assistant) -> None:
    """The milestones that list the titles carry other years: the titles name publications."""
    years = {p.id: p.year for p in catalogue.publications()}
    answer = assistant.ask(
        "How many years lie between Listening to Victims and Targeting Vulnerabilities?"
    )
    assert cited(answer) == ["listening-to-victims", "targeting-vulnerabilities-syria"]
    diff = years["targeting-vulnerabilities-syria"] - years["listening-to-victims"]
    assert answer.text.startswith("Computed from the years of [1] and [2]")
    assert f"= {diff} years" in answer.text


def test_what_the_pages_add_cites_pages_only_renumbered_after_the_records() -> None:
    """A record the passages quoted is the records' answer's to give: "From the publications"
    keeps the sentences that cite PDF pages, numbered on from the records' sources."""
    from assistant.answer import Source
    from assistant.programme.answers import from_pages

    def src(n: int, page: int | None) -> Source:
        kind = "publication" if page else "milestone"
        return Source(n, kind, f"id{n}", "doc", "T", 2010, page, None, "q", None)

    passages = Answer(
        "2017: ICMPD joined ICAT. [1] Shelters opened in 2004. [2] Both said so. [1][3]"
        "\n\n(Read together with your previous question: “when?”.)",
        False,
        [src(1, None), src(2, 12), src(3, 40)],
        "q",
        "q",
    )

    text, sources = from_pages(passages, after=2)

    assert text == "Shelters opened in 2004. [3]"
    assert [(s.n, s.page) for s in sources] == [(3, 12)]
    only_records = Answer("2017: ICMPD joined ICAT. [1]", False, [src(1, None)], "q", "q")
    assert from_pages(only_records, after=1) == ("", [])


def test_a_page_sentence_holding_little_of_the_question_does_not_stand_beside(
    records_and_report: Store,
) -> None:
    """ "From the publications" keeps what speaks to the question: a sentence that shares
    one common word with it (a report's "join" for "join ICAT") is left out."""
    from assistant.answer import Source

    assistant = extractive(records_and_report)
    question = "When did ICMPD join ICAT?"
    records = assistant.programme.answer(question)
    assert records is not None
    page = Source(1, "publication", "p", "doc", "T", 2010, 12, None, "q", None)
    other = Source(2, "publication", "p", "doc", "T", 2010, 13, None, "q", None)
    passages = Answer(
        "Girls left home to join the group in 2014. [1] ICMPD became a member of ICAT, the "
        "Inter-Agency Coordination Group, in 2017. [2]",
        False,
        [page, other],
        question,
        question,
    )

    both = assistant.programme.beside(records, passages)

    added = both.text.split("From the publications: ")[1]
    assert added.startswith("ICMPD became a member of ICAT") and "Girls" not in added
    assert [(s.n, s.page) for s in both.sources[len(records.sources) :]] == [(2, 13)]


def test_a_page_sentence_giving_what_the_records_leave_out_stands_beside(
    records_and_report: Store,
) -> None:
    """A record that answers part of a question ("first piloted") is given first; a page that
    holds the rest ("which two countries", "the border crossing") is added, though it shares
    less than half of the whole question's words."""
    from assistant.answer import Source

    assistant = extractive(records_and_report)
    question = (
        "Where was the first regional transnational referral mechanism for victims developed "
        "and piloted in South-Eastern Europe, and what did caseworkers do at the border crossing?"
    )
    records = assistant.programme.answer(question)
    assert records is not None
    page = Source(1, "publication", "p", "doc", "T", 2010, 12, None, "q", None)
    passages = Answer(
        "Caseworkers escorted returning victims at the border crossing. [1]",
        False,
        [page],
        question,
        question,
    )

    both = assistant.programme.beside(records, passages)

    assert both.text.endswith(
        "From the publications: Caseworkers escorted returning victims at the border crossing. [2]"
    )


def test_a_follow_up_naming_both_records_it_compares_is_read_on_its_own(
    assistant: Assistant,
) -> None:
    """ "its" points back, but to ICAT in the same question, not to the record before."""
    history = [
        Turn("user", "did they do anything in west africa"),
        Turn("assistant", "2023: ICMPD put a focus on West Africa ... [1]"),
    ]

    answer = assistant.ask("how many years between joining ICAT and becoming its co-chair", history)

    assert "2023 - 2017 = 6 years" in answer.text, answer.text
    assert "West Africa" not in answer.text


def test_a_refusal_of_an_answer_resting_on_declined_records_says_so(assistant: Assistant) -> None:
    """The passages' judge would answer from the records the records' judge declined: the
    refusal names that, not the judge's reasons to answer ("one passage stands out")."""
    answer = assistant.ask("Which donor paid for the first ICMPD actions in Cabo Verde?")
    to_answer = {reason(name, high, True) for name in DESCRIPTIONS for high in (False, True)}

    assert answer.refused
    assert answer.why == [RECORDS_DECLINED]
    assert not to_answer & set(answer.why)
