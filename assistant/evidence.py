"""Which sentences of a passage answer the question, and how strong the evidence is overall."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from assistant.keyword import KeywordIndex
from assistant.periods import find_period
from assistant.prompt import Sentence
from assistant.text import sentence_spans, stem, tokens

MIN_CHARS, MAX_CHARS = 25, 600


def rank_sentences(text: str, query_tokens: Sequence[str], index: KeywordIndex) -> list[Sentence]:
    """Sentences of `text` by idf-weighted overlap with the question, best first.

    Fragments (headers, table cells) and run-ons are pushed down, not dropped: a milestone
    record may be one short sentence and still be the answer.
    """
    ranked = []
    for position, (start, end, words) in enumerate(index.sentences_of(text)):
        sentence = text[start:end]
        score = index.coverage_of(query_tokens, words)
        if not MIN_CHARS <= len(sentence) <= MAX_CHARS:
            score *= 0.5
        letters = sum(ch.isalpha() for ch in sentence)
        if letters < 0.5 * len(sentence):  # mostly figures or table debris
            score *= 0.5
        ranked.append((score, -position, Sentence(sentence, round(score, 4))))
    ranked.sort(key=lambda r: (r[0], r[1]), reverse=True)
    return [r[2] for r in ranked]


OFF_TOPIC = 0.35  # below this cosine the nearest passage is about something else entirely


LONG_QUESTION = 10  # content words; beyond this the share a passage must hold shrinks


def strength(dense: float, coverage: float, words: int = 0) -> float:
    """How well a passage answers the question: the share of the question's weight it contains,
    or nothing when it is semantically off-topic. Calibrated on eval/ (see the README).

    A long question carries framing ("in the Fifth report's worked example", "and how did
    that go") that no passage repeats, so the share it needs shrinks with the square root of
    its length past LONG_QUESTION words: 17 words need 0.38 of the weight where 10 need 0.5.
    """
    if dense < OFF_TOPIC:
        return 0.0
    return min(1.0, coverage * max(1.0, (words / LONG_QUESTION) ** 0.5))


def matches_only_the_topic(
    query_tokens: Sequence[str], passages: Sequence[set[str]], index: KeywordIndex
) -> bool:
    """True when the words that set the question apart are in none of the best passages.

    Words every top passage shares ("ICMPD", "programme") only say the topic is right; if the
    rest of the question ("budget", "head") carries real weight and appears nowhere among the
    best three, the passages are about the programme but not about what was asked.
    """
    words = [t for t in dict.fromkeys(query_tokens) if not t.isdigit()]
    if not words or not passages:
        return False
    specific = [t for t in words if not all(t in p for p in passages)]
    weight = sum(index.idf(t) for t in specific)
    if weight < SPECIFIC_SHARE * sum(index.idf(t) for t in words):
        return False
    return not any(t in p for t in specific for p in passages[:3])


SPECIFIC_SHARE = 0.25  # calibrated on eval/: below it, the missing words are incidental verbs


def names_an_absent_year(
    query_tokens: Sequence[str], passages: Sequence[set[str]], dated: bool
) -> bool:
    """A question about 2025 is not answered by passages that neither mention nor date from it."""
    years = {t for t in query_tokens if len(t) == 4 and t.isdigit() and 1900 <= int(t) <= 2100}
    return bool(years) and not dated and not any(years & p for p in passages)


_HOW_MANY = re.compile(r"\bhow (?:many|much)\b\s*([\w'’-]+)?", re.I)
# "What is the budget of ...", "what was the cost": a question whose answer is an amount.
_WHAT_COSTS = re.compile(
    r"\bwhat (?:is|was|are|were|will be)\b(?:\s+[\w'’-]+){0,4}?\s+"
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
    """Whether the sentence holds a number that is not a year."""
    return any(not _YEAR.fullmatch(n.rstrip(".,")) for n in _NUMBER.findall(sentence))


# A question for contact details (asked for, not mentioned: "children carrying phone numbers"),
# and what each kind looks like on a page.
_ASKS = (
    r"(?:\b(?:what(?:'s|\s+is|\s+are|\s+was)|give\s+me|where\s+can\s+i\s+find|is\s+there)\b"
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
            _ASKS + r"\b(?:phone|telephone|fax|helpline|hotline|contact)\s+numbers?\b"
            r"|\bwhat(?:'s|\s+is)\s+the\s+number\b",
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


def question_parts(question: str) -> list[str]:
    """The questions a compound question asks ("How many states are party, and who joined
    last?"), each with two words or more; [] when it asks one thing."""
    parts = [p.strip(" ,;:?") for p in _NEXT_QUESTION.split(question)]
    parts = [p for p in parts if len(tokens(p)) >= 2]
    return parts if len(parts) > 1 else []


# Where a second question starts: after "and", a comma, semicolon, colon or question mark, a
# question word.
_NEXT_QUESTION = re.compile(
    r"(?:,?\s+and\s+|;\s*|\?\s+|,\s+|:\s+)"
    r"(?=(?:what|who|whom|whose|when|where|which|why|how|did|does|do|is|are|was|were|has|have"
    r"|had|can|could|should|would)\b)",
    re.I,
)


def name_like(question: str) -> list[str]:
    """Tokens of the words written like names or codes (a capital or a digit: "EMPACT",
    "Zealand", "433quinquies"). One the index never saw means the question is about something
    absent; an unseen everyday word ("yardstick") is only a paraphrase, left to the coverage.
    """
    return [
        t
        for w in _WORD.findall(question)
        if (w != w.lower() or any(ch.isdigit() for ch in w)) and not _NOT_A_NAME.fullmatch(w)
        for t in tokens(w)
    ]


_WORD = re.compile(r"[\w'’-]+")
# Written like names but naming nothing: a number in shorthand ("100k", "2bn") or as an ordinal
# ("the 39th session", which a report spells "thirty-ninth"), a decade ("the 80s", "1990s"),
# and "I'd", "I'm", "I've".
_NOT_A_NAME = re.compile(
    r"\d+(?:[.,]\d+)?(?:k|m|bn|mn)|\d+(?:st|nd|rd|th)|['’]?(?:\d\d)?\d0['’]?s|I['’]\w{1,2}",
    re.I,
)
# "the Eighth Report": an ordinal is capitalised in a title but names nothing.
_ORDINALS = frozenset(
    [
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "eleventh",
        "twelfth",
    ]
)
# A capitalised word: a name, unless it opens the question, a sentence or a bracket.
_CAPITALISED = re.compile(r"\b[A-Z][a-z][\w'’-]*")


def names_an_absent_subject(question: str, doc_ids: Sequence[str], index: KeywordIndex) -> bool:
    """True when the question names something ("Moldova") that no document behind the best
    passages mentions anywhere.

    Passages on the asked-about matter in another place (maximum sentences under the Dutch code,
    for a question on Moldova's) cover every other word of the question. The whole document is
    searched, not only the passage, because a name the question credits ("according to Esser")
    is often in a heading or footnote away from the fact. Acronyms are left out: a document may
    only spell them out.
    """
    if not doc_ids:
        return False
    for match in _CAPITALISED.finditer(question):
        before = question[: match.start()].rstrip()
        if not before or before[-1] in ".!?(:;\"“‘'" or match.group(0).lower() in _ORDINALS:
            continue
        words = tokens(match.group(0))
        if words and not any(index.mentions(d, w) for d in doc_ids for w in words):
            return True
    return False
