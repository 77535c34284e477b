"""Which records answer a question: matched on their words and field values, then selected
by what the question asks (when, what in a period, which first, how many, years between)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

from assistant.programme.records import Record, Records
from assistant.programme.vocabulary import VOCABULARY
from assistant.prompt import Turn
from assistant.retrieval.periods import LAST, Period, find_period
from assistant.text import WORD, tokens
from vectorstore.records import MILESTONE, PUBLICATION

# Share of the question's word weight a record must hold to be a candidate at all; whether
# the candidates answer is the fitted judge's decision (judge.py).
MIN_COVERAGE = 0.34
# Records within this much of the best one's coverage answer too ("which publications...").
CLOSE = 0.2
MAX_LISTED = 12
TIED = 0.05
# Intents that ask what came after the records the conversation is about.
MOVES_ON = frozenset({"after", "year_after"})


@dataclass
class Query:
    question: str
    intents: set[str]
    words: list[str]  # content words, in the records' vocabulary
    period: Period | None
    kind: str | None  # "publication", "milestone" or None for either
    excluded: frozenset[str] = frozenset()  # "what came after it": it and its own records


@dataclass
class Match:
    """The records that answer, how: `route` names the kind of answer."""

    route: str
    records: list[Record]
    coverage: float
    period: Period | None = None
    extra: dict = field(default_factory=dict)


def parse(question: str, history: Sequence[Turn] = ()) -> Query:
    text = VOCABULARY.normalise(question)
    intents = VOCABULARY.intents_of(text)
    period = find_period(question)
    if period is None and "context" in intents:
        period = _earlier_period(history)
    if period is None and MOVES_ON & intents:
        period = _after_earlier(history, "year_after" in intents)
        if period is not None and "year_after" not in intents:
            intents |= {"first"}  # "what did they do next?": the first record after it
            intents.discard("order")  # "later on" asks what followed, not which came first
    words = [
        w
        for w in tokens(VOCABULARY.strip_intents(text))
        if w not in VOCABULARY.generic_tokens and not w.isdigit()
    ]
    if "either" in intents and {"first", "latest"} & intents:
        intents.add("order")  # "X or Y, which came first" compares two records
    if "count" in intents and not VOCABULARY.counts_records(text):
        intents.add("uncountable")
    kind = None
    if {"publications", "link"} & intents:  # a link is a publication's
        kind = PUBLICATION
    elif "milestones" in intents or "when" in intents:
        kind = MILESTONE
    return Query(question, intents, list(dict.fromkeys(words)), period, kind)


def _earlier_period(history: Sequence[Turn]) -> Period | None:
    """The year a follow-up's "that year" means: the last one the conversation named."""
    for turn in reversed(history):
        period = find_period(turn.content)
        if period is not None:
            return period
    return None


def _after_earlier(history: Sequence[Turn], one_year: bool) -> Period | None:
    """The years after the last one the conversation named: "the year after" the next one,
    "afterwards" all the rest."""
    earlier = _earlier_period(history)
    if earlier is None:
        return None
    return Period(earlier.end + 1, earlier.end + 1 if one_year else LAST)


def in_period(record: Record, period: Period, by_label: bool) -> bool:
    if record.kind == PUBLICATION or by_label:
        return period.start <= record.year <= period.end
    return period.overlaps(*record.period)


def dated_in(period: Period, pool: Sequence[Record]) -> list[Record]:
    """The records dated in the period when there are any; else the milestones spanning it."""
    by_label = any(in_period(r, period, True) for r in pool)
    return [r for r in pool if in_period(r, period, by_label)]


def match(query: Query, records: Records, pool: Sequence[Record]) -> Match | None:
    """The answering records, or None when no record holds what the question asks."""
    pool = [r for r in pool if r.id not in query.excluded]
    every = pool
    if query.period is not None:
        pool = dated_in(query.period, pool)
    if {"between", "order"} & query.intents and query.words:
        # a year in a two-record question dates one of the two, not both
        pair = _best_pair(query, records, every, pool)
        if pair is not None:
            return pair
    if not pool or ("uncountable" in query.intents and "between" not in query.intents):
        return None  # "how many pages, staff, victims": the records count only themselves
    scored = sorted(
        ((records.coverage(query.words, [r]), r) for r in pool),
        key=lambda p: (-p[0], p[1].kind != MILESTONE, p[1].year),
    )
    if query.kind:  # the kind asked for, unless only the other kind holds the question
        typed = [p for p in scored if p[1].kind == query.kind]
        if typed and typed[0][0] >= scored[0][0] - CLOSE:
            scored = typed
    best = scored[0][0]
    if best < MIN_COVERAGE:
        return None
    chosen = [r for c, r in scored if c >= max(MIN_COVERAGE, best - CLOSE)]
    if "count" in query.intents and "between" not in query.intents:
        return Match("count", sorted(chosen, key=_when), best, query.period)
    extreme = {"first", "latest"} & query.intents
    if extreme and "context" in query.intents:
        # "and what about today?": the earliest or latest of what the conversation
        # is about, not only of the records that also hold the earlier question's other words
        chosen = [r for c, r in scored if c >= MIN_COVERAGE]
    if extreme and len(chosen) > 1:
        pick = min if "first" in extreme else max
        year = pick(r.year for r in chosen)
        return Match(
            "first" if "first" in extreme else "latest",
            [r for r in chosen if r.year == year],
            best,
            query.period,
        )
    if "outcome" in query.intents:
        top = chosen[0]
        linked = [records.by_id[i] for i in top.linked if i in records.by_id]
        pubs = [r for r in linked if r.kind == PUBLICATION]
        if top.kind == MILESTONE and pubs:
            return Match("outcome", [top, *sorted(pubs, key=_when)], best, query.period)
    if not query.words:  # the period (or kind) is all that is asked: list it in time order
        return Match("list", sorted(chosen, key=_when)[:MAX_LISTED], best, query.period)
    if "when" in query.intents:  # a date for one thing: the records that hold it best
        chosen = [r for c, r in scored if c >= best - TIED][:3]
    return Match("records", chosen[:MAX_LISTED], best, query.period)


def _best_pair(
    query: Query, records: Records, pool: Sequence[Record], dated: Sequence[Record]
) -> Match | None:
    """Two records that together hold the question's words: for "which came first" and "how
    many years between", one of them in `dated` (the year asked, if any). A milestone and its
    own publication are one event, not two."""
    held = {r.id: {w for w in query.words if w in r.own} for r in pool}
    asked = _words(query.question)
    titled = {r.id: _titled(r, asked) for r in pool}  # a title the question spells out
    in_dated = {r.id for r in dated}
    best: tuple[float, float, Record, Record] | None = None
    for a, b in combinations(pool, 2):
        if a.kind != b.kind and (b.id in a.linked or a.id in b.linked):
            continue
        if held[a.id] == held[b.id] or not (held[a.id] and held[b.id]):
            continue  # one record may name the other ("its revised edition"), not be it
        if a.id not in in_dated and b.id not in in_dated:
            continue
        if query.kind and query.kind == PUBLICATION and PUBLICATION not in (a.kind, b.kind):
            continue
        both = records.coverage(query.words, [a, b])
        alone = records.coverage(query.words, [a]) + records.coverage(query.words, [b])
        wanted = PUBLICATION if {"publications", "types"} & query.intents else MILESTONE
        prefer = (a.kind == wanted) + (b.kind == wanted)
        named = titled[a.id] + titled[b.id]
        key = (both, alone + 0.01 * prefer + 0.02 * named)
        if best is None or key > best[:2]:
            best = (*key, a, b)
    if best is None or best[0] < MIN_COVERAGE:
        return None
    a, b = sorted(best[2:], key=_when)
    route = "between" if "between" in query.intents else "order"
    return Match(route, [a, b], best[0], query.period)


def _titled(record: Record, asked: str) -> bool:
    """A publication whose whole title (two words or more) the question names."""
    title = _words(record.title.split(":")[0])
    return record.kind == PUBLICATION and " " in title and f" {title} " in f" {asked} "


def _words(text: str) -> str:
    """The text's words, lower-cased, one space apart: for matching a phrase whole."""
    return " ".join(WORD.findall(text.lower().replace("’", "'")))


def period_listing(query: Query, records: Records, pool: Sequence[Record]) -> Match | None:
    """The records dated in the question's period, its other words set aside ("what did the
    team do in 2021", "2007 highlights"): a reading the judge weighs as a listing."""
    if query.period is None or not query.words or {"between", "order"} & query.intents:
        return None
    if "uncountable" in query.intents:
        return None  # "how many victims in 2010": the records count only themselves
    dated = dated_in(query.period, pool)
    if query.kind:
        dated = [r for r in dated if r.kind == query.kind] or dated
    if not dated:
        return None
    dated.sort(key=_when)
    route, listed = ("count", dated) if "count" in query.intents else ("list", dated[:MAX_LISTED])
    held = records.coverage(query.words, listed)
    return Match(route, listed, held, query.period, {"listing": True})


def _when(record: Record) -> tuple[int, int, bool]:
    return (record.year, record.period[0], record.kind != MILESTONE)
