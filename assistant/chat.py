"""Assistant.ask(question, history) -> Answer: retrieve, judge the evidence, generate, check."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from assistant.answer import NOT_COVERED, Answer
from assistant.backends import Backend
from assistant.citations import check, related
from assistant.evidence import (
    lacks_a_count_for_the_year,
    lacks_the_contact,
    lacks_the_quantity,
    lacks_the_succession,
    matches_only_the_topic,
    name_like,
    names_an_absent_subject,
    names_an_absent_year,
    question_parts,
    rank_sentences,
    strength,
)
from assistant.followup import SHORT, earlier_question, rewritten, with_earlier
from assistant.keyword import KeywordIndex
from assistant.programme import Programme
from assistant.prompt import Passage, Prompt, Turn
from assistant.retrieval import Candidate, Filters, Retrieval, Retriever
from assistant.settings import AssistantSettings
from assistant.text import tokens
from vectorstore.records import MILESTONE, Chunk
from vectorstore.store import Store

PARTLY_COVERED = "The passages found answer only part of the question."
# Calibrated on eval/ (see `python -m assistant.eval`): below this the sources are too weak.
DEFAULT_MIN_STRENGTH = 0.5
MAX_QUESTION_CHARS = 2000  # longer questions are cut for retrieval; nothing is lost but noise
EMPTY_INDEX = (
    "The index is empty, so there is nothing to answer from yet. Ingest the programme's "
    "publications with `python -m ingest` (or add PDFs with `python -m ingest add FILE`, or "
    "upload them in the Library tab)."
)
# Terminal escape sequences go whole (ESC [ 31 m would otherwise leave "[31m" as a word);
# then C0/C1 controls become spaces, and bidi overrides and zero-width marks, which carry no
# text but can make a question display reversed, are dropped.
_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-_])?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_MILESTONE_WORD = re.compile(r"\bmilestones?\b", re.I)
TOP_EVIDENCE = 5  # passages judged for the evidence strength
# Content words from which a question that looks like a follow-up may also be searched alone.
# eval/: asked after an unrelated question, 127 of 201 self-contained ones were refused when
# searched with it; searching alone when that failed rescued 101, 89 of them with 8 words or
# more. On the sets' real follow-ups it turned 8 refusals into answers, 6 from the wrong page,
# all with 7 words or fewer. With this floor and the judging on the follow-up's own words
# (Assistant.search), 32 of the 201 are refused, as many as when asked with no history.
SELF_CONTAINED = 8


@dataclass
class Search:
    """One search for a question: what was found, the prompt built from it, and how strongly
    it answers (below min_strength the answer is a refusal)."""

    retrieval: Retrieval
    prompt: Prompt
    chunks: dict[int, Chunk]
    evidence: float
    partial: bool = False  # strong for one part of a question asking two things, not the whole


class Assistant:
    def __init__(
        self,
        store: Store,
        backend: Backend,
        settings: AssistantSettings | None = None,
        retriever: Retriever | None = None,
        records_first: bool = True,
    ) -> None:
        self.store = store
        self.backend = backend
        self.settings = settings or AssistantSettings()
        self.retriever = retriever or Retriever(store)
        self.programme = Programme(store, self.retriever, records_first)
        self.min_strength = (
            self.settings.min_score if self.settings.min_score >= 0 else DEFAULT_MIN_STRENGTH
        )

    def ask(
        self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None
    ) -> Answer:
        answer = None
        for event in self.stream(question, history, filters):
            if isinstance(event, Answer):
                answer = event
        assert answer is not None
        return answer

    def stream(
        self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None
    ) -> Iterator[str | Answer]:
        """Text pieces as the backend writes them, then the checked Answer (which may differ)."""
        started = time.perf_counter()
        question = clean_question(question)
        earlier = earlier_question(question, history)
        if not question:
            yield Answer("Please type a question.", True, [], question, question)
            return
        # The timeline's and catalogue's records answer first (assistant/programme/), and the
        # PDFs' passages add what they say beside them; a question no record holds goes on to
        # the passages alone.
        from_records = self.programme.answer(question, history, filters, self.backend.name)
        if from_records is not None:
            passages = Assistant(self.store, self.backend, self.settings, self.retriever, False)
            answer = self.programme.beside(from_records, passages.ask(question, history, filters))
            yield answer.text
            yield answer
            return
        found = self.search(question, history, filters)
        if found is None:
            empty = not self.store.documents()
            text = EMPTY_INDEX if empty else NOT_COVERED + " Nothing matched the filters you set."
            yield Answer(text, True, [], question, with_earlier(question, earlier))
            return
        prompt, chunks, evidence = found.prompt, found.chunks, found.evidence
        pages = self._page_lookup()
        if evidence < self.min_strength:
            yield self._refusal(prompt, chunks, pages, evidence, started)
            return
        pieces: list[str] = []
        for piece in self.backend.generate(prompt):
            pieces.append(piece)
            yield piece
        text, sources, removed = check("".join(pieces), prompt.passages, chunks, pages)
        if not sources or self.programme.owns(sources):  # records the records stage declined
            refusal = self._refusal(prompt, chunks, pages, evidence, started)
            refusal.removed = removed
            yield refusal
            return
        if found.partial:
            text += f"\n\n({PARTLY_COVERED})"
        if removed:
            text += (
                f"\n\n(Removed {len(removed)} generated sentence(s) its sources did not support.)"
            )
        yield Answer(
            text,
            False,
            sources,
            question,
            prompt.standalone,
            removed,
            evidence,
            self.backend.name,
            time.perf_counter() - started,
        )

    def search(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: Filters | None = None,
        k: int | None = None,
    ) -> Search | None:
        """The passages to answer from, and how strongly they answer; None if nothing matched.

        A question that looks like a follow-up is searched with the question before it. When
        that finds no strong evidence:
        - the passages found are judged on the follow-up's own words, since a page that
          answers "And the average sentence in 2011?" need not repeat the question before;
          the names the question before holds must still be in the documents;
        - a question long enough to carry its own subject is searched alone: "How many
          strawberry farms did their labour inspectors visit in Portugal?" after a question
          about Egypt changes the subject. A short one ("What sentence did he get?") leans on
          the turn before whatever it finds alone, and is better refused than answered from
          the wrong case.
        """
        k = k or self.settings.top_k
        earlier = earlier_question(question, history)
        query = rewritten(self.backend, question, earlier)
        found = self._search(question, query, earlier, history, filters, k)
        if not earlier or (found is not None and found.evidence >= self.min_strength):
            return found
        if found is not None:
            own = replace(found.retrieval, query_tokens=tokens(query))
            evidence = self.strength(own, found.prompt)
            if evidence >= self.min_strength:
                return replace(found, evidence=evidence)
        if len(tokens(question)) >= SELF_CONTAINED:
            alone = self._search(question, question, "", history, filters, k)
            if alone is not None and alone.evidence >= self.min_strength:
                return alone
        return found

    def _search(
        self,
        question: str,
        query: str,
        earlier: str,
        history: Sequence[Turn],
        filters: Filters | None,
        k: int,
    ) -> Search | None:
        retrieval = self.retriever.retrieve(query, k, filters, earlier)
        if not retrieval.candidates:
            return None
        prompt, chunks = self.prompt(question, retrieval.query, history, retrieval)
        whole, by_part = self.judge(retrieval, prompt)
        evidence = max(whole, by_part)
        partial = whole < self.min_strength <= by_part
        return Search(retrieval, prompt, chunks, evidence, partial)

    def prompt(
        self, question: str, standalone: str, history: Sequence[Turn], retrieval: Retrieval
    ) -> tuple[Prompt, dict[int, Chunk]]:
        index = retrieval.index
        period = retrieval.period
        passages, chunks = [], {}
        for n, cand in enumerate(retrieval.candidates, start=1):
            chunk = cand.chunk
            ranked = rank_sentences(chunk.text, retrieval.query_tokens, index)
            if (
                retrieval.whole_period
                and chunk.kind == MILESTONE
                and ranked
                and chunk.year is not None
                and period.overlaps(chunk.year, chunk.year)
            ):
                # "Which milestones are there before 2005?": a record dated in the period
                # answers it whole, though its statement shares no word with the question.
                ranked[0] = replace(ranked[0], score=max(ranked[0].score, 1.0))
            passages.append(
                Passage(
                    n=n,
                    kind=chunk.kind,
                    title=chunk.title,
                    year=chunk.year,
                    page=chunk.page,
                    page_label=chunk.page_label,
                    text=chunk.text,
                    score=cand.fused,
                    sentences=tuple(ranked),
                )
            )
            chunks[n] = chunk
        return Prompt(question, standalone, tuple(passages), tuple(history)), chunks

    def strength(self, retrieval: Retrieval, prompt: Prompt) -> float:
        """How well the passages answer the question, 0 to 1 (see evidence.py)."""
        return max(self.judge(retrieval, prompt))

    def judge(self, retrieval: Retrieval, prompt: Prompt) -> tuple[float, float]:
        """How well the passages answer the whole question, and its best single part.

        What the whole question names (a thing, a year, a period) must hold for every part of
        it. What it asks is then judged whole and, for a question asking two things ("How many
        states are party to the Convention, and who joined last?"), part by part: passages that
        answer one part well are worth answering from, since a page rarely holds both.
        """
        index = retrieval.index
        query = retrieval.query_tokens
        if index.unknown(name_like(prompt.standalone)):
            return 0.0, 0.0  # it names something no indexed text mentions
        top = retrieval.candidates[:TOP_EVIDENCE]
        period = retrieval.period
        in_period = [
            c.chunk
            for c in top
            if period
            and c.chunk.year
            and period.overlaps(c.chunk.period_start or c.chunk.year, c.chunk.year)
        ]
        asks_for_milestones = bool(period and _MILESTONE_WORD.search(prompt.standalone))
        if asks_for_milestones and not index.milestones_in(period):
            return 0.0, 0.0  # the timeline has no milestone in the period asked about
        words = [t for t in query if not t.isdigit()]
        for chunk in (c.chunk for c in top[:3]):
            if (
                chunk in in_period
                and chunk.kind == MILESTONE
                and (asks_for_milestones or not words or index.coverage(words, chunk.text) >= 0.5)
            ):
                return 1.0, 1.0  # a dated programme record of the period, about what was asked
        passages = [set(tokens(f"{c.chunk.title} {c.chunk.text}")) for c in top]
        if names_an_absent_year(query, passages, bool(in_period)):
            return 0.0, 0.0
        if names_an_absent_subject(prompt.standalone, [c.chunk.doc_id for c in top[:3]], index):
            return 0.0, 0.0
        whole = _answers(query, what_is_asked(prompt), top, passages, retrieval.nearest, index)
        parts = question_parts(prompt.question) if prompt.question == prompt.standalone else []
        by_part = max(
            (_answers(tokens(p), p, top, passages, retrieval.nearest, index) for p in parts),
            default=0.0,
        )  # a follow-up is judged whole
        return whole, by_part

    def _refusal(self, prompt, chunks, pages, evidence: float, started: float) -> Answer:
        sources = related(prompt.passages[:3], chunks, pages)
        text = NOT_COVERED
        if sources:
            text += (
                " The closest passages are listed below as related reading; they do not answer it."
            )
        return Answer(
            text,
            True,
            sources,
            prompt.question,
            prompt.standalone,
            strength=evidence,
            backend=self.backend.name,
            seconds=time.perf_counter() - started,
        )

    def _page_lookup(self):
        cache: dict[tuple[str, int | None, str], str | None] = {}

        def lookup(chunk: Chunk) -> str | None:
            # A record (a milestone) has no page: its own text is what it says, and the
            # timeline's records share one doc_id, so each is looked up by its chunk id.
            key = (chunk.id if chunk.page is None else chunk.doc_id, chunk.page, chunk.version)
            if key not in cache:
                if chunk.page is None:
                    stored = self.store.get_chunks([chunk.id])
                    cache[key] = stored[0].text if stored else None
                else:
                    cache[key] = self.store.page_text(chunk.doc_id, chunk.page, chunk.version)
            return cache[key]

        return lookup


def _answers(
    query: Sequence[str],
    question: str,
    top: Sequence[Candidate],
    passages: Sequence[set[str]],
    nearest: float,
    index: KeywordIndex,
) -> float:
    """How well the best passages answer what `question` asks, 0 when they answer another
    kind of question (a count, a phone number) or only share its topic."""
    if matches_only_the_topic(query, passages, index):
        return 0.0
    best_texts = [c.chunk.text for c in top[:3]]
    if any(
        lacks(question, best_texts)
        for lacks in (
            lacks_the_quantity,
            lacks_a_count_for_the_year,
            lacks_the_contact,
            lacks_the_succession,
        )
    ):
        return 0.0
    best = max(index.coverage(query, f"{c.chunk.title} {c.chunk.text}") for c in top[:3])
    return strength(nearest, best, len(set(query)))


def what_is_asked(prompt: Prompt) -> str:
    """The words that say what kind of answer is wanted: a count, an amount, a phone number.

    A follow-up with words of its own asks its own kind of question: "And the average custodial
    sentence in 2011?" after "How many investigations did the report study?" wants no count of
    investigations. An elliptical one ("And in 2011?") asks what the question before asked.
    """
    return prompt.question if len(tokens(prompt.question)) > SHORT else prompt.standalone


def clean_question(question: str) -> str:
    """The question as words: no escapes or invisible marks, cut at a word boundary."""
    question = _INVISIBLE.sub("", _ESCAPE.sub("", question or ""))
    question = " ".join(_CONTROL.sub(" ", question).split())
    if len(question) <= MAX_QUESTION_CHARS:
        return question
    cut = question[: MAX_QUESTION_CHARS + 1]
    return cut[: cut.rfind(" ")].rstrip() if " " in cut else cut[:MAX_QUESTION_CHARS]


def with_backend(assistant: Assistant, backend: Backend) -> Assistant:
    """Same store and warm indexes, another answerer: for the app's backend switch."""
    return Assistant(assistant.store, backend, assistant.settings, assistant.retriever)


__all__ = ["Assistant", "Filters", "clean_question", "replace", "with_backend"]
