"""The period a question names decides which milestones and publications are favoured."""

from __future__ import annotations

import pytest

from assistant.retrieval.periods import Period, find_period
from assistant.retrieval.search import asks_about_the_programme, asks_only_for_the_period
from assistant.text import tokens


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("What happened in 2017?", 2017, 2017),
        ("Which guidelines were published in 2008", 2008, 2008),
        ("What was done between 2008 and 2012?", 2008, 2012),
        ("What was done between 2012 and 2008?", 2008, 2012),
        ("Publications from 2005 to 2007", 2005, 2007),
        ("Activities 2010-2015", 2010, 2015),
        ("Activities 2010 – 2015", 2010, 2015),
        ("Activities 2010 to 2015", 2010, 2015),
        ("Activities in the 2000s", 2000, 2009),
        ("Counting 2016, 2017 and 2018 together, how many?", 2016, 2018),
        ("what happened in 2016 and 2017", 2016, 2017),
        ("in 2008 and 2014?", 2008, 2008),  # no span holds just these two: the first, as before
        ("from 2010 to 2012 and 2013", 2010, 2012),
    ],
)
def test_years_and_closed_ranges(question: str, start: int, end: int) -> None:
    assert find_period(question) == Period(start, end)


def test_before_ends_the_year_before() -> None:
    period = find_period("What did ICMPD publish before 2010?")

    assert period is not None
    assert period.end == 2009
    assert period.start < 2002  # reaches back past the programme's first year
    assert find_period("prior to 2003") == Period(period.start, 2002)


def test_before_an_early_year_does_not_reach_past_it() -> None:
    period = find_period("anything before 1985?")

    assert period is not None
    assert period.end == 1984
    assert period.start <= period.end


def test_since_and_after_are_open_ended() -> None:
    since = find_period("What has happened since 2015?")
    after = find_period("What happened after 2019?")

    assert since is not None and after is not None
    assert since.start == 2015 and since.end >= 2100
    assert after.start == 2020 and after.end >= 2100


@pytest.mark.parametrize(
    "question",
    [
        "What is a national referral mechanism?",
        "What does Art. 273f of the Criminal Code say?",
        "How many of the 12345 calls were about labour exploitation?",
        "What happened in 1850?",
        "",
    ],
)
def test_no_period(question: str) -> None:
    assert find_period(question) is None


def test_overlaps() -> None:
    period = Period(2008, 2012)

    assert period.overlaps(2012, 2014)
    assert period.overlaps(2005, 2008)
    assert period.overlaps(2009, 2010)
    assert not period.overlaps(2013, 2015)
    assert not period.overlaps(2001, 2007)


@pytest.mark.parametrize(
    ("question", "programme", "only_the_period"),
    [
        ("What happened in 2017?", True, True),
        ("Which milestones are there before 2005?", True, True),
        ("What did ICMPD do in 2014?", True, True),
        ("How many places did the COSM shelter programme have in 2010?", True, False),
        ("How did ICMPD train Dutch investigators in 2010?", True, False),
        ("How did the Oba of Benin's 2018 declaration affect trafficked women?", False, False),
        ("How many B9 permits were granted between 2007 and 2011?", False, False),
    ],
)
def test_which_questions_ask_about_the_programme(
    question: str, programme: bool, only_the_period: bool
) -> None:
    assert asks_about_the_programme(tokens(question)) is programme
    assert (programme and asks_only_for_the_period(tokens(question))) is only_the_period
