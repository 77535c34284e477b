"""The answer a person reads: the sentence stating the asked fact first, no page furniture, and
extraction artefacts mended for display while each quote stays verbatim on its page."""

from __future__ import annotations

import pytest

from assistant.answering.choose import choose
from assistant.answering.junk import junk_kind
from assistant.answering.mend import mend, without_heading
from assistant.prompt import Passage, Prompt, Sentence


def passage(n: int, *scored: tuple[str, float], title: str = "A report") -> Passage:
    return Passage(
        n=n,
        kind="publication",
        title=title,
        year=2010,
        page=n,
        page_label=None,
        text=" ".join(t for t, _ in scored),
        score=1.0 / n,
        sentences=tuple(Sentence(t, s) for t, s in sorted(scored, key=lambda x: -x[1])),
    )


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("3.1 Referral mechanisms and their partners", "heading"),
        ("Contents .......... 12", "contents line"),
        ("Please cite this article as: Smith, J. Trafficking.", "doi or citation notice"),
        ("Available online at https://doi.org/10.1016/j.chiabu.2019.1", "doi or citation notice"),
        ("Smith, J. (2019). Labour and trafficking. Journal of Crime, 12(3), 1-20.", "reference"),
        ("ICMPD 2015 ICMPD (2015) Targeting Vulnerabilities.", "reference"),
        ("2014 2015 2016 1,204 1,311 1,560", "row of figures"),
        ("Nigeria 1 4 3 5 1 2 Total 16 Bulgaria 2 0 3 1 7 9 Total 22", "row of figures"),
        ("45 The reports were mainly from individuals.", "page or footnote number"),
        ("Do you consent to being referred into the NRM?", "question"),
        (
            "viii 11.8.3 Human trafficking with a view to organ removal 226 11.8.4 Interviews "
            "among medical practitioners 227 11.9 Conclusion: recommendations 227",
            "contents line",
        ),
        ("0 5 10 15 20 25 30 35 East Asia and the Pacific Eastern Europe", "row of figures"),
        (  # contents without numbered sections: titles and their pages, never falling
            "Toolkit: completing the NRM Referral Form 4 First Responder Details 5 Age "
            "Confirmation 5 Potential Victim’s Background 5 Exploiter Details 6",
            "contents line",
        ),
        ("How to explain the NRM form and process 12 6.", "contents line"),
        (
            "Fig. 67 Projection on population under 30, by region Source: UN Population data.",
            "caption",
        ),
        (
            "LEVEL OF SATISFACTION WITH REINTEGRATION SUPPORT Source: RA Monitoring Survey.",
            "caption",
        ),
        ("Source: UNODC elaboration of national data.", "caption"),
        ("Eight Report of the Dutch National Rapporteur.", "title line"),
        ("Den Bosch District Court 24 May 2012, LJN: BW6451.", "title line"),
        ("Walk Free Foundation, Global Slavery Index 2013.", "title line"),
        ("Vienna: UNODC.", "title line"),  # a publisher's line, not a record's field
        (
            "Dutch National Rapporteur C.E. Jansen-Smit (Dutch National Rapporteur) M. de Vries"
            " E.M.H. van Dam D.A.C. Bakker",
            "list of names",
        ),
        ("SUMMARY 223 The police calculated the profits.", "page or footnote number"),
        ("La trata de personas en el contexto de la migración laboral.", "another language"),
        (  # a link into a site, broken at its slashes by the PDF's text layer
            "Issue brief No. 8. https://www.unodc.org/documents/ human-trafficking/ICAT/"
            "19-10800_ICAT_Issue_Brief_8_Ebook. pdf.",
            "reference",
        ),
        (  # a footnote's source, its number first
            "28 United Nations Office on Drugs and Crime, Abuse of a Position of Vulnerability, "
            "UNODC, Vienna, 2013.",
            "footnote",
        ),
        ("27 Interviews with stakeholders from Djibouti.", "footnote"),
        (  # a document's title after the footnote's number, however long
            "351 Mid Term Review of EU-IOM Joint Initiative for Migrant Protection and "
            "Reintegration in the Horn of Africa.",
            "footnote",
        ),
        ("180 https://www.iom.int/news/national-strategy 181 IOM RDH (2021).", "footnote"),
        (  # a document's title beside a link, "www." broken from its host
            "Transnational Organized Crime Threat Assessment - Sahel. www. unodc.org/documents/"
            "data-and-analysis/tocta_sahel/TOCTA_ Sahel_som_2023.pdf.",
            "reference",
        ),
        ("Joint Initiative Horn of Africa Research Report, p. 51-52.", "footnote"),
    ],
)
def test_page_furniture_is_junk(sentence: str, kind: str) -> None:
    assert junk_kind(sentence) == kind


@pytest.mark.parametrize(
    "sentence",
    [
        "The helpline number is 08000 121 700 and it is open every day.",
        "In 2014 and 2015 about 6,250 presumed victims were estimated per year.",
        "Article 273f of the Criminal Code sets a maximum sentence of 12 years.",
        "2014: ICMPD joined ICAT.",
        "ICMPD (2015) found that most of the identified victims were women.",
        "See www.comensha.nl.",  # a site is an answer to "what is their website"
        "Read the National Referral Mechanism Guidance for England and Wales at "
        "www.gov.uk/nrm-guidance.",
        "Section 3.3 describes the data of 2011 in 12 tables and 4 figures.",
        "Contact the helpline at https://www.unseenuk.org/helpline/ or call 08000 121 700.",
        "12 Member States signed the Convention in 2005.",  # a count, not a footnote's number
        "The report by J. Smit, K. de Vries and L. Bakker was published in 2010.",
        "Region: South-Eastern Europe.",  # a record's field and its value
        "Written for: Labour Inspectors.",
        "ICMPD joined ICAT in 2017.",
        # figures in a sentence that reads as one: not a table's row
        "BLinN supported a total of 172 victims in 2005 and 223 in 2006.",
        "The IND issued 61 B-9 permits in 2005.",
        # a statement before a chart's source note keeps it; a table's data stay
        "Reports indicate that the war in Ethiopia alone accounted for more than 100,000 "
        "fatalities in 2022. Source: UNODC elaboration of national data.",
        "Table 3.1 Ranking of the top 5 nationalities 2000 N= 341 Dutch Source: CoMensha.",
        # three counts before names are a statement, not a contents list
        "Of the victims 12 Dutch and 45 Nigerian and 70 Bulgarian women were identified in 2009.",
        # a long sentence a page reference was run into still states its fact
        "Jyotsna Gupta, a senior lecturer at the University of Utrecht, argues that surrogate "
        "mothers are usually under enormous pressure from their families and intermediaries "
        "to carry a child for others (Gupta, 2012: p. 31).",
    ],
)
def test_statements_are_not_junk(sentence: str) -> None:
    assert junk_kind(sentence) is None


def test_artefacts_are_mended_for_display() -> None:
    raw = "It was 'attractive'.”84 Police found 122 , 759 euros; victims12 were traf- ficking."

    assert mend(raw) == (
        "It was 'attractive'.” Police found 122,759 euros; victims were trafficking."
    )


def test_a_footnote_number_between_two_sentences_of_a_quote_is_dropped() -> None:
    raw = "It was proven (about 2.7 years). 70 It is not possible to compare."
    assert mend(raw) == "It was proven (about 2.7 years). It is not possible to compare."
    assert (
        mend("It was proven (2.7 years).73 70 It is not.")
        == "It was proven (2.7 years). It is not."
    )
    assert mend("It fell. 12 Member States agreed.") == "It fell. 12 Member States agreed."


def test_a_year_before_a_comma_and_a_count_is_no_split_figure() -> None:
    assert mend("In 2010, 256 victims used it.") == "In 2010, 256 victims used it."
    assert mend("It cost 1.5, 300 people paid.") == "It cost 1.5, 300 people paid."


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("It rose to 75% in 2010.46", "It rose to 75% in 2010."),
        ("It rose in 2010.46 In contrast, it fell.", "It rose in 2010. In contrast, it fell."),
        ("Section 3.3 Victims", "Section 3.3 Victims"),
        ("The rest (3.1 years).43", "The rest (3.1 years)."),
        ("It fell in 2010.", "It fell in 2010."),
    ],
)
def test_a_footnote_number_after_a_full_stop_is_dropped(raw: str, shown: str) -> None:
    assert mend(raw) == shown


def test_a_printers_slug_is_not_shown() -> None:
    """The slug at a page's foot ends the sentence the page breaks; the quote keeps it."""
    raw = "Guest Editor KRISTIINA KANGASPUNTA New York, 2015 15-00463_inner.indd 1 25/06/2015 11:16:51"

    assert mend(raw) == "Guest Editor KRISTIINA KANGASPUNTA New York, 2015"


@pytest.mark.parametrize(
    ("sentence", "shown"),
    [
        (
            "2.2 Incidents, investigation and prosecution Although the law is clear, few cases.",
            "Although the law is clear, few cases.",
        ),
        (
            "6 Conclusions and discussion The present study builds on the estimation.",
            "The present study builds on the estimation.",
        ),
        # a heading that opens with an article: its "A" is not the sentence's start
        (
            "1.1.1 A brief history As early as 1900 the state took notice.",
            "As early as 1900 the state took notice.",
        ),
        (
            "2.2 The law says that the state must act.",
            "The law says that the state must act.",
        ),
        # a section's heading and its subsection's, and a heading with a colon or 11 words
        (
            "9.2 Legislation 9.2.1 Trafficking in the Criminal Code In 2002, the law changed.",
            "In 2002, the law changed.",
        ),
        (
            "4.2.3.1 Case 1: Exploitation in the household A recent case came to court.",
            "A recent case came to court.",
        ),
        (
            "8.2 BNRM study into exploitation in sectors other than the sex industry The study"
            " found more.",
            "The study found more.",
        ),
        # a sentence that opens with a figure is no heading
        ("12 Member States reported an increase in 2015.", None),
        ("3 of the 10 victims were minors. ", None),
        # a footnote's number before its text, or a running header in capitals and its page
        (
            "18 The Convention calls on States Parties to appoint a rapporteur.",
            "The Convention calls on States Parties to appoint a rapporteur.",
        ),
        (
            "INVESTIGATION 125 Financial investigations entail attention to profits.",
            "Financial investigations entail attention to profits.",
        ),
        (
            "THE PUBLIC PROSECUTION 145 6 Conclusions The study builds on the estimation.",
            "The study builds on the estimation.",
        ),
        # an acronym and a count are no header
        ("ECOWAS 15 Member States agreed on a plan.", None),
        # a heading without a number, in sentence case
        (
            "Conclusions and recommendations The Joint Initiative was a unique effort.",
            "The Joint Initiative was a unique effort.",
        ),
        (
            "Findings As part of the evaluation, the team met 40 returnees.",
            "As part of the evaluation, the team met 40 returnees.",
        ),
        # ... but not a sentence that names a title or a place with an article
        ("Meetings in The Hague were held twice a year.", None),
        ("According to The Guardian, the number rose.", None),
        ("Victims are often The ones who lose most.", None),
    ],
)
def test_a_heading_run_into_a_sentence_is_cut_off_and_the_rest_is_a_quote(
    sentence: str, shown: str | None
) -> None:
    shown = shown or sentence
    assert without_heading(sentence) == shown
    assert without_heading(sentence) in sentence
    assert junk_kind(without_heading(sentence)) is None


def test_a_heading_run_into_a_sentence_it_cannot_cut_is_kept_for_its_fact() -> None:
    assert junk_kind("Chapter 3 Lessons Seventeen caseworkers were trained in Chisinau.") is None


WORDS = frozenset({"remained", "people", "telephone", "investigation", "often", "ten", "case"})


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (
            "The level of punishment re mained the same.",
            "The level of punishment remained the same.",
        ),
        ("Most peop le gave a teleph one number.", "Most people gave a telephone number."),
        ("An investiga - tion began.", "An investigation began."),
        # two words that make a third stay two, as do a letter and a short word
        ("In of ten cases, c as es were closed.", "In of ten cases, c as es were closed."),
    ],
)
def test_a_word_the_text_layer_split_is_joined_for_display(raw: str, shown: str) -> None:
    assert mend(raw, WORDS) == shown
    assert mend(raw) == raw  # without the language's words nothing is joined


def test_mending_keeps_figures_codes_and_compounds() -> None:
    text = "In 2015, 1,234 B9 permits and short- and long-term visas (Art. 5) were issued."

    assert mend(text) == text


def test_the_sentence_giving_the_asked_count_leads() -> None:
    p = Prompt(
        "How many victims were identified in 2015?",
        "How many victims were identified in 2015?",
        (
            passage(
                1,
                ("Victims were identified by police and NGOs in that year.", 0.9),
                ("In 2015 a total of 1,321 victims were identified.", 0.6),
            ),
        ),
    )

    assert choose(p)[0].text == "In 2015 a total of 1,321 victims were identified."


def test_junk_is_never_chosen() -> None:
    p = Prompt(
        "What does the referral mechanism do?",
        "What does the referral mechanism do?",
        (
            passage(
                1,
                ("2.1 Referral mechanism overview", 0.95),
                ("The referral mechanism links victims to support services.", 0.8),
                ("Smith, J. (2019). Referral in practice. Journal of Crime, 12(3), 1-20.", 0.7),
            ),
        ),
    )

    assert [c.text for c in choose(p)] == [
        "The referral mechanism links victims to support services."
    ]


def test_a_compound_question_gets_a_sentence_for_each_part() -> None:
    p = Prompt(
        "When was the office opened, and who leads the office?",
        "When was the office opened, and who leads the office?",
        (
            passage(
                1,
                ("The office was opened by the ministry after long talks.", 0.9),
                ("The office opened in March 2011.", 0.5),
            ),
            passage(2, ("Maria Novak leads the office as national coordinator.", 0.3)),
        ),
    )

    texts = [c.text for c in choose(p)]

    assert "The office opened in March 2011." in texts
    assert "Maria Novak leads the office as national coordinator." in texts
