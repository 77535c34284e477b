"""What kind of answer a question asks for (a count, an amount, a date, a contact, a name) and
whether a sentence gives one: the answer leads with such a sentence and the judge weighs it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from assistant.retrieval.periods import find_period
from assistant.text import sentence_spans, stem, tokens

_WHEN = re.compile(r"\b(?:when|what year|which year|since when|how long ago|what date)\b", re.I)
# "Who" asks for a name where it opens the question or a clause of its own ("..., and who
# chaired it?", "tell me who", "handbook who is it for"), not after the noun it relates to
# ("the inspectors who visited the farms").
_WHO = re.compile(
    r"^\W*(?:who|whom|whose)\b"
    r"|(?:[,;:?(]\s*|\b(?:and|or|but|then|also|know|tell(?: me| us)?|say|says|said|find out|ask"
    r"|explain|show|mention|name|list|identify|state|wonder|see)\s+)(?:who|whom|whose)\b"
    r"|\bwho\s+(?:is|was|are|were)\s+(?:it|this|that|they|these|those)\b"
    r"|\b(?:which organi[sz]ation|which agency)\b",
    re.I,
)
_DATE = re.compile(
    r"\b(?:19|20)\d\d\b|\b(?:January|February|March|April|May|June|July|August|September"
    r"|October|November|December)\b"
)
# A name: two capitalised words in a row, or an acronym.
_NAME = re.compile(r"\b(?:[A-Z][a-z]+\s+[A-Z][a-z]+|[A-Z]{2,})\b")


def asked_kind(question: str) -> str | None:
    """ "contact", "amount", "count", "date" or "name"; None for any other question."""
    if any(asks.search(question) for asks, _ in _CONTACTS.values()):
        return "contact"
    if _WHAT_COSTS.search(question):
        return "amount"
    if _HOW_MANY.search(question):
        return "count"
    if _WHEN.search(question):
        return "date"
    if _WHO.search(question):
        return "name"
    return None


def gives(kind: str | None, question: str, sentence: str) -> bool:
    """Whether the sentence holds the kind of answer asked for (True when none is asked)."""
    if kind is None:
        return True
    if kind == "contact":
        return any(holds(sentence) for asks, holds in _CONTACTS.values() if asks.search(question))
    if kind == "amount":
        return bool(_AMOUNT.search(sentence))
    if kind == "count":
        asked = _HOW_MANY.search(question)
        counted = next(iter(tokens((asked.group(1) or "") if asked else "")), None)
        return _gives_a_count(sentence) and (counted is None or counted in tokens(sentence))
    if kind == "date":
        return bool(_DATE.search(sentence))
    return bool(_NAME.search(sentence))


_HOW_MANY = re.compile(r"\bhow (?:many|much)\b\s*([\w'’-]+)?", re.I)
# "What is the budget of ...", "what was the cost": a question whose answer is an amount.
_WHAT_COSTS = re.compile(
    r"\bwhat(?:'s|’s|s| is| was| are| were| will be)\b(?:\s+[\w'’-]+){0,4}?\s+"
    r"(?:budget|cost|price|salary|salaries|fee|funding|spending|expenditure)s?(?![\w-])"
    r"|\bwhat (?:did|does|do|will|would)\b[^?.]*\bcost\b"  # "what did the study cost"
    r"|\bwhat budget\b|\b(?:annual|total|financial|monetary) value\b",
    re.I,
)
_NUMBER = re.compile(r"(?<![\w.])(\d[\d,.]*)(?!\w)")
_YEAR = re.compile(r"(?:19|20)\d\d")
# What a question about money asks for, and what an amount of money looks like in a report.
_SPENDING = frozenset(
    stem(w)
    for w in [
        "spend",
        "spent",
        "cost",
        "pay",
        "paid",
        "fund",
        "budget",
        "earn",
        "price",
        "salary",
        "allocate",
        "invest",
        "fee",
    ]
)
_AMOUNT = re.compile(
    r"[€$£]\s?\d|\b(?:EUR|USD|GBP|CHF)\s?\d"
    r"|\d(?:[\d,.]*\d)?\s?(?:(?:million|billion|thousand|m|bn)\s)?(?:euros?|dollars?|pounds?"
    r"|EUR|USD|GBP|CHF)\b",
    re.I,
)


def lacks_the_quantity(question: str, texts: Sequence[str]) -> bool:
    """True when the question asks how many or how much and no sentence of the best passages
    gives a number (a year is not a count) beside what is counted ("hours", "staff"); when it
    asks what something costs or how much is spent, the number must be an amount of money.

    Without it a catalogue record "published in 2018" would answer "how many hours of training",
    and a list of support services "how much does the government spend on them".
    """
    asked = _HOW_MANY.search(question)
    costs = _WHAT_COSTS.search(question) is not None
    if asked is None and not costs:
        return False
    word = (asked.group(1) or "") if asked else ""
    counted = next(iter(tokens(word)), None)  # "B9" permits, "hours" of training
    # "How much of the budget..." asks for a share, which any figure can give.
    money = costs or (
        asked is not None
        and asked.group(0).lower().startswith("how much")
        and word.lower() != "of"
        and bool(_SPENDING & set(tokens(question)))
    )
    for sentence in _sentences(texts):
        if money:
            if _AMOUNT.search(sentence):
                return False
        elif _gives_a_count(sentence) and (counted is None or counted in tokens(sentence)):
            return False
    return True


def lacks_a_count_for_the_year(question: str, texts: Sequence[str]) -> bool:
    """True when the question asks how many in one year ("in 2022") and no sentence of the best
    passages names that year beside a number: a count for another year is not the answer."""
    asked = _HOW_MANY.search(question)
    period = find_period(question)
    if asked is None or not asked.group(0).lower().startswith("how many"):
        return False
    if period is None or period.start != period.end:
        return False
    year = str(period.start)
    return not any(year in s and _gives_a_count(s) for s in _sentences(texts))


def _sentences(texts: Sequence[str]) -> Iterator[str]:
    for text in texts:
        for start, end in sentence_spans(text):
            yield text[start:end]


def _gives_a_count(sentence: str) -> bool:
    """Whether the sentence holds a number that is not a year, in figures or in words."""
    return bool(_SPELLED.search(sentence)) or any(
        not _YEAR.fullmatch(n.rstrip(".,")) for n in _NUMBER.findall(sentence)
    )


_SPELLED = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:thir|four|fif|six|seven|eigh|nine)teen|twenty|thirty"
    r"|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|dozens?)\b",
    re.I,
)


# A question for contact details (asked for, not mentioned: "children carrying phone numbers"),
# and what each kind looks like on a page.
_ASKS = (
    r"(?:\b(?:what(?:'s|’s|s|\s+is|\s+are|\s+was)|give\s+me|where\s+can\s+i\s+find|is\s+there)\b"
    r"[^?]{0,50}?|^\W*(?:the\s+|an?\s+)?)"  # or typed as a search: "phone number for TARA"
)
_PHONE = re.compile(r"\+?\d[\d ()./-]{6,}\d")


def _holds_a_phone_number(text: str) -> bool:
    """A run of figures is a phone number only with seven digits or more, and not when it is
    years: "2010 (69" and "2007-2011" are not."""
    for match in _PHONE.finditer(text):
        groups = re.findall(r"\d+", match.group(0))
        if sum(map(len, groups)) >= 7 and not all(_YEAR.fullmatch(g) for g in groups):
            return True
    return False


# Per kind: how a question asks for it, and whether a text holds one.
_CONTACTS = {
    "phone": (
        re.compile(
            _ASKS + r"\b(?:phone|telephone|fax|help\s?line|hotline|contact)\s+numbers?\b"
            r"|\bwhat(?:'s|’s|s|\s+is)\s+the\s+number\b(?!\s+of\b)"
            r"|\b(?:number|who)\s+(?:can|could|do|should|would)\s+i\s+(?:call|ring|phone|dial)\b",
            re.I,
        ),
        _holds_a_phone_number,
    ),
    "email": (
        re.compile(_ASKS + r"\be-?mail(?:\s+address(?:es)?)?\b", re.I),
        re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+").search,
    ),
    "web": (
        re.compile(_ASKS + r"\b(?:website|web\s+site|web\s+address|url)\b", re.I),
        re.compile(
            r"\b(?:https?://|www\.)\S+|\b[\w-]+\.(?:org|gov|com|net|int|eu|nl|uk)\b", re.I
        ).search,
    ),
}


def lacks_the_contact(question: str, texts: Sequence[str]) -> bool:
    """True when the question asks for a phone number, e-mail address or website and none of
    the best passages holds one of any kind asked for: a page about the helpline is not its
    number."""
    wanted = [holds for asked, holds in _CONTACTS.values() if asked.search(question)]
    return bool(wanted) and not any(holds(text) for holds in wanted for text in texts)


# "Who succeeded her?", "who took over as Special Rapporteur": the answer is a succession,
# and a page that only describes the predecessor's term is not it.
_ASKS_SUCCESSOR = re.compile(
    r"\bwho\b[^?]{0,20}?\b(?:succeed(?:ed|s)?|replac(?:ed|es)|took\s+over|takes\s+over|followed)\b"
    r"|\bsuccessor\b",
    re.I,
)
_SUCCESSION = re.compile(
    r"\b(?:succe(?:ed|eded|eds|eding|ssor|ssion)|replac\w+|took\s+over|taken\s+over|take\s+over"
    r"|appointed|handed\s+over)\b",
    re.I,
)


def lacks_the_succession(question: str, texts: Sequence[str]) -> bool:
    """True when the question asks who succeeded someone and no sentence of the best passages
    speaks of a succession: reports written during a term cannot name who came after it."""
    if not _ASKS_SUCCESSOR.search(question):
        return False
    return not any(_SUCCESSION.search(s) for s in _sentences(texts))
