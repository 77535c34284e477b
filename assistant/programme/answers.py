"""Answers from records: each sentence a record's own text with its citation, and a computed
figure (a count, a difference of years) saying which cited records it was computed from."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace

import numpy as np

from assistant.answer import Answer, Source
from assistant.answering.citations import check, source, split_claims
from assistant.conversation.followup import SHORT, continues, earlier_question
from assistant.programme.judge import asks_text, features
from assistant.programme.judge import load as load_judge
from assistant.programme.matching import (
    MOVES_ON,
    Match,
    Query,
    in_period,
    match,
    parse,
    period_listing,
)
from assistant.programme.records import Record, Records
from assistant.prompt import Passage, Turn
from assistant.retrieval.periods import find_period
from assistant.retrieval.search import Filters, Retriever
from assistant.text import tokens
from vectorstore.records import MILESTONE, Chunk
from vectorstore.store import Store

BESIDE_SHARE = 0.5  # of the question's words a page's sentence holds to stand beside records
# The programme's organisation, as its publications' covers and imprints name it.
ORGANISATION = re.compile(r"\bICMPD\b|International Cent(?:re|er) for Migration Policy Development")
IMPRINT_PAGES = 4  # a publication names its publisher within its first pages


class Programme:
    """The records stage of Assistant.ask: answers what the timeline and catalogue hold."""

    def __init__(self, store: Store, retriever: Retriever, enabled: bool = True) -> None:
        self.store = store
        self.retriever = retriever
        self.enabled = enabled  # off for the passages' own answer beside the records'
        self._records: tuple[int, Records, frozenset[str]] | None = None
        self._vectors: np.ndarray | None = None  # the records' embeddings, in records() order

    def records(self) -> Records:
        return self._indexed()[1]

    def own_documents(self) -> frozenset[str]:
        """The ids of the programme's documents: the catalogue's publications, ingested under
        their catalogue ids or titles, and any PDF whose first pages name ICMPD."""
        return self._indexed()[2]

    def _indexed(self) -> tuple[int, Records, frozenset[str]]:
        index = self.retriever.keyword_index()
        if self._records is None or self._records[0] != id(index):
            records = Records(index.chunks)
            titles = {" ".join(tokens(r.title)) for r in records.items if r.kind != MILESTONE}
            own = {r.id for r in records.items if r.kind != MILESTONE}
            catalogued: dict[str, bool] = {}  # by a PDF's title
            for c in index.chunks:
                if c.page is None or c.doc_id in own:
                    continue
                if c.title not in catalogued:
                    catalogued[c.title] = " ".join(tokens(c.title)) in titles
                if catalogued[c.title] or (c.page <= IMPRINT_PAGES and ORGANISATION.search(c.text)):
                    own.add(c.doc_id)
            self._records = (id(index), records, frozenset(own))
            self._vectors = None
        return self._records

    def off_source(self, question: str, earlier: str, found: Iterable[Chunk]) -> bool:
        """A question about the programme (the judge's fitted `topic`, a follow-up's read both
        alone and with the question it follows) for which none of the pages found, the
        passages its answer is drawn from, is of the programme's documents: a report that
        names ICMPD in passing does not speak for it, and a page that shares the question's
        words is found whatever the question asks (its director, its budget). Records are not
        counted: those found beside such pages are ones the records' judge declined. Pages found,
        not pages cited, so that which sentences the answer keeps does not decide it."""
        if not self.about(question, earlier):
            return False
        own = self.own_documents()
        return not any(c.page is not None and c.doc_id in own for c in found)

    def about(self, question: str, earlier: str = "") -> bool:
        """Whether the question is about the programme (the judge's fitted `topic`), a
        follow-up read both alone and with the question it follows."""
        judge = load_judge()
        readings = dict.fromkeys((question, asks_text(question, earlier)))
        return all(judge.on_programme(self.retriever.query_vector(r), r) for r in readings)

    def nearness(self, question: str) -> dict[str, float]:
        """Each record's cosine to the question: everyday wording the records' words miss."""
        records = self.records()
        if self._vectors is None:
            self._vectors = self.store.embedder.encode([r.chunk.text for r in records.items])
        if not len(self._vectors):
            return {}
        scores = self._vectors @ self.retriever.query_vector(question)
        return {r.id: float(x) for r, x in zip(records.items, scores, strict=True)}

    def asks(self, question: str, earlier: str = "") -> float:
        """How much the question (read with the one it follows) reads like one the records
        answer: the judge's fitted `asks` over its embedding."""
        text = asks_text(question, earlier)
        return load_judge().asks(self.retriever.query_vector(text), text)

    def answer(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: Filters | None = None,
        backend: str = "",
    ) -> Answer | None:
        """The records' answer, or None when no record holds what is asked."""
        if not self.enabled:
            return None
        started = time.perf_counter()
        judge = load_judge()
        for query, found, values in self.candidates(question, history, filters):
            if judge.answers(values):
                answer = self._compose(found, query, question, backend, started)
                if answer is not None:
                    answer.strength = judge.probability(values)
                    return answer
        return None

    def beside(self, records: Answer, passages: Answer, question: str = "") -> Answer:
        """The records' answer, then what the PDFs' pages add, their markers renumbered; the
        passages' answer is left out when it is a refusal or cites no page. Beside an answer to
        a question about the programme, only the programme's own pages speak: another
        organisation's page found by a word the question shares (or, read with the question
        before, by that question's words) does not."""
        if passages.refused:
            return records
        own = self.own_documents() if question and self.about(question) else None
        # A page's sentence stands beside the records when it holds half the question's words
        # (one shared word, "join" of "join ICAT", adds nothing), or half of the words the
        # records' answer leaves out when those are several ("which two countries", "at the
        # border"). Counted, not weighted by rarity: idf moves with what else is indexed.
        asked = set(tokens(passages.standalone))
        missing = asked - set(tokens(records.text))

        def adds(claim: str) -> bool:
            words = set(tokens(claim))
            if len(asked & words) >= BESIDE_SHARE * len(asked):
                return True
            return len(missing) > 1 and len(missing & words) >= BESIDE_SHARE * len(missing)

        def speaks(page: Source) -> bool:
            return own is None or page.doc_id in own

        text, sources = from_pages(passages, len(records.sources), adds, speaks)
        if not sources:
            return records
        return replace(
            records,
            text=f"{records.text}\n\nFrom the publications: {text}",
            sources=records.sources + sources,
            removed=passages.removed,
            seconds=records.seconds + passages.seconds,
        )

    def owns(self, sources: Sequence[Source]) -> bool:
        """Whether an answer cites records only: the records stage's to give, not the passages'."""
        ids = {r.id for r in self.records().items}
        return bool(sources) and all(s.page is None and s.id in ids for s in sources)

    def candidates(
        self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None
    ) -> Iterator[tuple[Query, Match, dict[str, float]]]:
        """Each reading of the question the records match, with what the judge weighs."""
        records = self.records()
        if not records:
            return
        pool = [r for r in records.items if filters is None or filters.accepts(r.chunk)]
        query = parse(question, history)
        earlier = earlier_question(question, history)
        own_followup = False  # whether the question's own words are read as a follow-up
        attempts = [(query, own_followup)]
        if earlier:  # "When was it updated again?" leans on the question before
            says_little = _says_little(question, query)
            answered = self._answered(earlier, records, pool)
            about_records = answered is not None
            if says_little and not about_records:
                return  # "and in 2010?" after a question the reports answer: theirs to follow
            # "and in europe?" after a question on forced labour: its own words are read as a
            # follow-up of that question, which the judge weighs
            own_followup = (
                not about_records and continues(question) and len(tokens(question)) <= SHORT
            )
            attempts = [] if says_little else [(query, own_followup)]
            if answered is not None:
                # the conversation is about the records: the follow-up is read with it
                both = parse(f"{question} {earlier}", history)
                # the follow-up's own period wins over the one asked before
                period = query.period or both.period
                both = replace(both, intents=query.intents | {"context"}, period=period)
                after = bool(MOVES_ON & query.intents)
                if after:  # what came after the records the question before is answered by
                    both = replace(both, excluded=_with_linked(answered.records))
                # "how many years after that?" needs the question before for one of its two
                # records; one that names both ("between joining ICAT and becoming its
                # co-chair") is read on its own first
                first = (
                    says_little
                    or after
                    or (_pairs(query) and not _names_a_pair(query, records, pool))
                )
                attempts = [(both, True), *attempts] if first else [*attempts, (both, True)]
        near = self.nearness(question)
        readings = {followup for _, followup in attempts} | {False}
        asks = {f: self.asks(question, earlier if f else "") for f in readings}
        matched = False
        for attempt, followup in attempts:
            found = match(attempt, records, pool)
            if found is not None:
                matched = True
                yield (
                    attempt,
                    found,
                    features(attempt, found, records, followup, near, asks[followup]),
                )
        for attempt, followup in attempts:
            listing = period_listing(attempt, records, pool)
            if listing is not None:
                values = features(attempt, listing, records, followup, near, asks[followup])
                yield attempt, listing, values
        if matched or "uncountable" in query.intents:
            return
        if query.period is not None:
            pool = [r for r in pool if in_period(r, query.period, True)]
        if not pool:
            return
        # Else the record nearest in meaning, for wording the records' words miss; the judge
        # weighs its nearness against the words it lacks.
        nearest = max(pool, key=lambda r: near.get(r.id, 0.0))
        found = Match("records", [nearest], records.coverage(query.words, [nearest]))
        yield query, found, features(query, found, records, own_followup, near, asks[own_followup])

    def _answered(self, question: str, records: Records, pool: list[Record]) -> Match | None:
        """The records' match for this question on its own, if they answer it (not merely
        share a word); None if they do not."""
        query = parse(question)
        found = match(query, records, pool)
        if found is None:
            return None
        values = features(
            query, found, records, False, self.nearness(question), self.asks(question)
        )
        return found if load_judge().answers(values) else None

    def _compose(
        self, found: Match, query: Query, question: str, backend: str, started: float
    ) -> Answer | None:
        cited = found.records
        passages = tuple(
            Passage(n, r.kind, r.chunk.title, r.year, None, None, r.chunk.text, found.coverage)
            for n, r in enumerate(cited, start=1)
        )
        chunks = {n: r.chunk for n, r in enumerate(cited, start=1)}
        claims = " ".join(f"{r.chunk.text} [{n}]" for n, r in enumerate(cited, start=1))
        stored = self._stored_text(cited)
        _, checked, removed = check(claims, passages, chunks, stored)
        if removed or {s.id for s in checked} != {r.id for r in cited}:
            return None
        # Every sentence passed the citation checks; each record is then cited once, its
        # quote the whole record text as stored.
        sources = [
            source(n, r.chunk, r.chunk.text, found.coverage) for n, r in enumerate(cited, start=1)
        ]
        if any(stored(r.chunk) != s.quote for r, s in zip(cited, sources, strict=True)):
            return None
        numbers = {s.id: s.n for s in sources}
        seconds = time.perf_counter() - started
        undated = _undated(found)
        if undated:  # nothing is dated in the years asked: say so, the nearest as reading
            why = ["no timeline item or publication is dated in the years asked"]
            return Answer(
                undated, True, sources, question, question, [], 0.0, backend, seconds, why
            )
        text = " ".join(f"{r.chunk.text} [{n}]" for n, r in enumerate(cited, start=1))
        lead = _lead(found, numbers)
        computed = _computed(found, numbers)
        links = _links(sources) if "link" in query.intents else ""
        # the computed figure or link is what was asked: it comes first, the records after
        text = " ".join(part for part in (computed, links, lead, text) if part)
        return Answer(
            text, False, sources, question, question, [], found.coverage, backend, seconds
        )

    def _stored_text(self, cited: Sequence[Record]):
        """The records' text as committed in the store, which each quote must be found in."""
        stored = {c.id: c.text for c in self.store.get_chunks([r.chunk.id for r in cited])}

        def lookup(chunk: Chunk) -> str | None:
            return stored.get(chunk.id)

        return lookup


def _with_linked(found: Sequence[Record]) -> frozenset[str]:
    """The records' ids and those of the records linked to them (a milestone's publication is
    the same event)."""
    return frozenset(i for r in found for i in (r.id, *r.linked))


def _says_little(question: str, query: Query) -> bool:
    """Asks nothing of its own, so it is read with the question before first: no words and no
    period ("and the publications?"), or a period stated bare or as a continuation ("in
    2011?", "and in 2011?"). "What happened in 2011" and "what else was done in that year" (its
    year from the conversation) stand on their own."""
    if query.words:
        return False
    if query.period is None:
        return True
    return find_period(question) is not None and (len(question.split()) <= 2 or continues(question))


def _names_a_pair(query: Query, records: Records, pool: list[Record]) -> bool:
    """Whether the question's own words find the two records it compares, each by words of
    its own ("joining ICAT", "co-chair"); "that or the curriculum" names only one."""
    found = match(query, records, pool)
    if found is None or found.route not in ("between", "order"):
        return False
    a, b = ({w for w in query.words if w in r.own} for r in found.records)
    return bool(a - b and b - a)


def _pairs(query: Query) -> bool:
    """Asks about two records ("how many years after..."), which a follow-up names one of."""
    return bool({"between", "order"} & query.intents)


def _name(record: Record) -> str:
    """A short name: a publication's title, a milestone's statement up to its first pause (after
    an opening phrase such as "In its first ...,", which names nothing)."""
    if record.kind == MILESTONE:
        pieces = [p.strip() for p in _PAUSE.split(record.statement()) if p.strip()]
        if len(pieces) > 1 and _OPENING_PHRASE.match(pieces[0]):
            pieces = pieces[1:]
        return f"'{pieces[0].rstrip('.') if pieces else record.statement()}' ({record.year})"
    return f"'{record.title}' ({record.year})"


_PAUSE = re.compile(r"[,:;(]| with | in the | to enhance ")
_OPENING_PHRASE = re.compile(r"(?:In|To|With|For|After|By|Through|On|Under|Since|During|As)\s")


def _years(n: int) -> str:
    return f"{n} year" if n == 1 else f"{n} years"


def _refs(records: Sequence[Record], numbers: dict[str, int]) -> str:
    return ", ".join(f"[{numbers[r.id]}]" for r in records if r.id in numbers)


def _undated(found: Match) -> str:
    """A refusal for a period no record is dated in ("what was done in 2012"), naming the
    timeline labels whose span covers it, which the answer lists as related reading."""
    period = found.period
    if found.route != "list" or period is None:
        return ""
    if any(in_period(r, period, True) for r in found.records):
        return ""
    span = (
        f"in {period.start}"
        if period.start == period.end
        else (f"from {max(period.start, 2002)} to {min(period.end, 2023)}")
    )
    labels = ", ".join(
        f"{r.year} (covering {r.period[0]}-{r.period[1]})"
        for r in {r.year: r for r in found.records if r.kind == MILESTONE}.values()
    )
    return (
        f"The timeline and the catalogue date nothing {span}. The timeline's items labelled "
        f"{labels} span those years; they are listed below as related reading."
    )


def _lead(found: Match, numbers: dict[str, int]) -> str:
    """An uncited framing sentence: it states no fact beyond what the cited records say."""
    kinds = {r.kind for r in found.records}
    noun = "records" if len(kinds) > 1 else ("milestones" if MILESTONE in kinds else "publications")
    if found.route == "outcome":
        return "What came of it, from the timeline and the catalogue:"
    if found.route in ("first", "latest"):
        which = "earliest" if found.route == "first" else "most recent"
        return f"The {which} of the matching {noun} ({found.records[0].year}):"
    return ""


def _links(sources: Sequence[Source]) -> str:
    """Where each cited record's publication can be downloaded, as its record gives it."""
    return " ".join(f"Download for [{s.n}]: {s.url}" for s in sources if s.url)


def _computed(found: Match, numbers: dict[str, int]) -> str:
    """A figure computed from the cited records, naming the records it comes from."""
    records = found.records
    if found.route == "count":
        noun = {MILESTONE: "milestones", "publication": "publications"}
        kinds = {r.kind for r in records}
        what = noun[kinds.pop()] if len(kinds) == 1 else "records"
        refs = _refs(records, numbers)
        return f"Count: {len(records)} {what}, counted from the records cited below ({refs})."
    if found.route in ("between", "order") and len(records) == 2:
        a, b = records
        refs = f"[{numbers[a.id]}] and [{numbers[b.id]}]"
        if found.route == "between":
            diff = b.year - a.year
            return (
                f"Computed from the years of {refs}: {b.year} - {a.year} = {_years(diff)} "
                f"between {_name(a)} and {_name(b)}."
            )
        if a.year == b.year:
            return f"Compared from the years of {refs}: both are dated {a.year}."
        return (
            f"Compared from the years of {refs}: {_name(a)} came first, "
            f"{_years(b.year - a.year)} before {_name(b)}, which came after it."
        )
    return ""


def from_pages(
    answer: Answer,
    after: int,
    keep: Callable[[str], bool] = lambda claim: True,
    pages: Callable[[Source], bool] = lambda page: True,
) -> tuple[str, list[Source]]:
    """The answer's sentences that cite PDF pages only, pages that `pages` accepts, and that
    `keep` accepts, numbered on from `after`, and their sources: a record it quotes is the
    records' answer's to give, not "from the publications"."""
    by_n = {s.n: s for s in answer.sources}
    body = answer.text.split("\n\n(")[0]  # without its notes on how it was read

    def cites_pages(cited: Sequence[int]) -> bool:
        return all(n in by_n and by_n[n].page is not None and pages(by_n[n]) for n in cited)

    kept = [c for c in split_claims(body) if c.cited and cites_pages(c.cited) and keep(c.text)]
    numbers: dict[int, int] = {}
    for c in kept:
        for n in c.cited:
            numbers.setdefault(n, after + len(numbers) + 1)
    text = " ".join(f"{c.text} " + "".join(f"[{numbers[n]}]" for n in c.cited) for c in kept)
    return text, [replace(by_n[n], n=new) for n, new in numbers.items()]
