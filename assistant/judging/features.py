"""The evidence for a question as named floats: what a judge weighs, and what its reasons name.

Every feature is cheap (word sets and regular expressions over the top passages, which
retrieval has already tokenised); a reader's score is one more feature when a reader is set.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Protocol

from assistant.judging.asked import (
    asked_kind,
    gives,
    lacks_a_count_for_the_year,
    lacks_the_contact,
    lacks_the_quantity,
    lacks_the_succession,
)
from assistant.prompt import Prompt
from assistant.retrieval.evidence import (
    name_like,
    names_an_absent_subject,
    names_an_absent_year,
    question_parts,
    strength,
)
from assistant.retrieval.periods import find_period
from assistant.retrieval.search import Retrieval
from assistant.text import tokens

TOP = 5  # passages judged
BEST = 3  # of which the best, where the answer must be

# name: (what a low value means, what a high value means), for the reasons a person reads.
# Worded both ways, a high value argues for an answer; worded high only, for a refusal.
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "coverage": (
        "the best passages hold little of what the question says",
        "the best passages hold what the question says",
    ),
    "strength": (
        "the passages cover little of the question's weight",
        "the passages cover most of the question's weight",
    ),
    "sentence": (
        "no single sentence holds the question's words",
        "one sentence holds most of the question's words",
    ),
    "specific": (
        "the words that set the question apart are in none of the best passages",
        "the question's distinctive words are in the best passages",
    ),
    "dense": (
        "nothing indexed is close in meaning to the question",
        "a passage is close in meaning to the question",
    ),
    "dense_top": (
        "the first passage is not close in meaning",
        "the first passage is close in meaning",
    ),
    "bm25": (
        "few of the question's words match any passage",
        "the question's words match a passage strongly",
    ),
    "bm25_margin": (
        "no passage stands out from the others",
        "one passage stands out from the others",
    ),
    "words": ("", ""),  # weighed, never a reason: a question's length says nothing to its asker
    "parts": (
        "no part of the question is well covered",
        "one part of the question is well covered",
    ),
    "kind_given": (
        "no sentence gives the kind of answer asked (a number, date, name or contact)",
        "a sentence gives the kind of answer asked",
    ),
    "asks_kind": ("", "the question asks for a particular kind of answer"),
    "unknown_name": ("", "the question names something no indexed text mentions"),
    "absent_subject": ("", "a name in the question is in none of the documents found"),
    "absent_year": ("", "the year asked about is in none of the passages"),
    "lacks_quantity": ("", "no passage gives a number for what is counted"),
    "lacks_count_for_year": ("", "no passage gives a count for the year asked"),
    "lacks_contact": ("", "no passage holds the contact detail asked for"),
    "lacks_succession": ("", "no passage speaks of who came after"),
    "followup": ("", "the question was read together with the one before"),
    "reader": (
        "the reader finds no sentence that answers",
        "the reader finds a sentence that answers",
    ),
}
FEATURES = tuple(DESCRIPTIONS)
# Each marks one thing the passages lack for this question; rare, so trees leave them unused,
# and a hybrid judge weighs them as terms of their own.
CHECKS = (
    "unknown_name",
    "absent_subject",
    "absent_year",
    "lacks_quantity",
    "lacks_count_for_year",
    "lacks_contact",
    "lacks_succession",
)


class Reader(Protocol):
    """Scores sentences as answers to a question (assistant.reading, chosen by ATP_READER)."""

    def score(self, question: str, sentences: Sequence[str]) -> Sequence[float]: ...


def features(
    retrieval: Retrieval,
    prompt: Prompt,
    asked: str,
    followup: bool = False,
) -> dict[str, float]:
    """The evidence the top passages give for `asked` (the words saying what kind of answer is
    wanted). A feature that cannot be computed (no reader) is absent, not zero."""
    index = retrieval.index
    query = retrieval.query_tokens
    top = retrieval.candidates[:TOP]
    best = top[:BEST]
    texts = [c.chunk.text for c in best]
    titled = [f"{c.chunk.title} {c.chunk.text}" for c in top]
    passages = [index.words_of(t) for t in titled]
    words = [t for t in dict.fromkeys(query) if not t.isdigit()]
    period, years = retrieval.period, query
    own = find_period(prompt.question) if followup else None
    if own:  # "and in 2019?" asks its own year: the year of the question it follows is answered
        period, years = own, tokens(prompt.question)
    in_period = [
        c.chunk
        for c in top
        if period
        and c.chunk.year
        and period.overlaps(c.chunk.period_start or c.chunk.year, c.chunk.year)
    ]
    coverage = max(
        (index.coverage(query, f"{c.chunk.title} {c.chunk.text}") for c in best), default=0.0
    )
    specific = [t for t in words if not all(t in p for p in passages)]
    weight = sum(index.idf(t) for t in specific)
    present = sum(index.idf(t) for t in specific if any(t in p for p in passages[:BEST]))
    keyword = sorted((c.keyword for c in top), reverse=True)
    sentences = [s for p in prompt.passages[:BEST] for s in p.sentences[:3]]
    kind = asked_kind(asked)
    parts = [] if followup else question_parts(prompt.question)  # a follow-up is judged whole
    by_part = [max(index.coverage(tokens(p), t) for t in texts) for p in parts if texts]
    out = {
        "coverage": coverage,
        "strength": strength(retrieval.nearest, coverage, len(set(query))),
        "sentence": max((s.score for s in sentences), default=0.0),
        "specific": present / weight if weight else 1.0,
        "dense": retrieval.nearest,
        "dense_top": top[0].dense if top else 0.0,
        "bm25": math.log1p(keyword[0]) if keyword else 0.0,
        "bm25_margin": (keyword[0] - keyword[-1]) / keyword[0] if keyword and keyword[0] else 0.0,
        "words": math.log1p(len(set(query))),
        "parts": max(by_part, default=0.0),
        "weakest_part": min(by_part, default=1.0),
        "kind_given": float(any(gives(kind, asked, s.text) for s in sentences)),
        "asks_kind": float(kind is not None),
        "unknown_name": float(bool(index.unknown(index.corrected(name_like(prompt.standalone))))),
        "absent_subject": float(
            names_an_absent_subject(prompt.standalone, [c.chunk.doc_id for c in best], index)
        ),
        "absent_year": float(names_an_absent_year(years, titled, bool(in_period))),
        "lacks_quantity": float(lacks_the_quantity(asked, texts)),
        "lacks_count_for_year": float(lacks_a_count_for_the_year(asked, texts)),
        "lacks_contact": float(lacks_the_contact(asked, texts)),
        "lacks_succession": float(lacks_the_succession(asked, texts)),
        "followup": float(followup),
    }
    read = [s.reader for s in sentences if s.reader is not None]
    if read:
        out["reader"] = max(read)
    return out


def compound(values: Mapping[str, float]) -> bool:
    """The question asks more than one thing: `parts` is 0 for one that asks one, which says
    nothing of how well it is covered."""
    return values.get("parts", 0.0) > 0 or values.get("weakest_part", 1.0) < 1.0


def reason(name: str, high: bool, answers: bool, values: Mapping[str, float] | None = None) -> str:
    """The plain words for a feature's value when it argues for the verdict, else "": a fit
    may weigh a feature against its meaning (collinear features), and "the best passages
    hold what the question says" is no reason to refuse; nor is "no part of the question is
    well covered" for a question of one part (with `values`, all the features)."""
    if name == "parts" and values is not None and not compound(values):
        return ""
    low_text, high_text = DESCRIPTIONS.get(name, (name, name))
    if low_text:
        return (high_text if high else low_text) if high == answers else ""
    return high_text if high and not answers else ""


def describe(name: str, high: bool) -> str:
    """The plain words for a feature's value: high when it pushed its own way."""
    low_text, high_text = DESCRIPTIONS.get(name, (name, name))
    return (high_text if high else low_text) or high_text  # "" when it is never named
