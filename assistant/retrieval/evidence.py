"""Which sentences of a passage answer the question, and how strong the evidence is overall."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from assistant.prompt import Sentence
from assistant.retrieval.keyword import KeywordIndex, share
from assistant.text import tokens

MIN_CHARS, MAX_CHARS = 25, 600


def rank_sentences(text: str, query_tokens: Sequence[str], index: KeywordIndex) -> list[Sentence]:
    """Sentences of `text` by idf-weighted overlap with the question, best first.

    Fragments (headers, table cells) and run-ons are pushed down, not dropped: a milestone
    record may be one short sentence and still be the answer.
    """
    ranked = []
    weights = index.weights(query_tokens)  # looked up once, not per sentence
    for position, (start, end, words) in enumerate(index.sentences_of(text)):
        sentence = text[start:end]
        score = share(weights, words)
        if not MIN_CHARS <= len(sentence) <= MAX_CHARS:
            score *= 0.5
        if _mostly_debris(sentence):  # mostly figures or table debris
            score *= 0.5
        ranked.append((score, -position, Sentence(sentence, round(score, 4))))
    ranked.sort(key=lambda r: (r[0], r[1]), reverse=True)
    return [r[2] for r in ranked]


@functools.lru_cache(maxsize=50_000)
def _mostly_debris(sentence: str) -> bool:
    """Fewer letters than other characters; cached, since the same passages recur."""
    return sum(ch.isalpha() for ch in sentence) < 0.5 * len(sentence)


OFF_TOPIC = 0.35  # below this cosine the nearest passage is about something else entirely


LONG_QUESTION = 10  # content words; beyond this the share a passage must hold shrinks


def strength(dense: float, coverage: float, words: int = 0) -> float:
    """How well a passage answers the question: the share of the question's weight it contains,
    or nothing when it is semantically off-topic. Calibrated on eval/ (see the README).

    A long question carries framing ("as the third chapter's case study puts it", "and how
    did that go") that no passage repeats, so the share it needs shrinks with the square root of
    its length past LONG_QUESTION words: 17 words need 0.38 of the weight where 10 need 0.5.
    """
    if dense < OFF_TOPIC:
        return 0.0
    return min(1.0, coverage * max(1.0, (words / LONG_QUESTION) ** 0.5))


def names_an_absent_year(query_tokens: Sequence[str], passages: Sequence[str], dated: bool) -> bool:
    """A question about 2025 is not answered by passages that neither state nor date from it
    (`stated_years`; read only for a question that names a year)."""
    years = {t for t in query_tokens if len(t) == 4 and t.isdigit() and 1900 <= int(t) <= 2100}
    return bool(years) and not dated and not any(years & stated_years(p) for p in passages)


def stated_years(text: str) -> set[str]:
    """The years a text speaks of: not those that date a source it cites ("Van Dijk (2016)",
    "(UNODC, 2018)", "Source: CBS, 2016"), which say when it was written, not what it counts."""
    return set(_YEAR.findall(_CITATION.sub(" ", text)))


_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_CITATION = re.compile(
    r"\((?:[^()]*?[A-Z][^()]*?,?\s)?(?:19|20)\d\d[a-z]?(?:[;,][^()]*)?\)"  # (2016), (X, 2016)
    r"|\bSources?:[^.]*"  # Source: X, 2016
    r"|\bet al\.?,?\s(?:19|20)\d\d"  # X et al. 2016
)


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
