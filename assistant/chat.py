"""Assistant.ask(question, history) -> Answer: retrieve, judge the evidence, generate, check."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from assistant.answer import NOT_COVERED, Answer
from assistant.answering.choose import asked_of
from assistant.answering.citations import check, related
from assistant.answering.headers import running_headers
from assistant.answering.mend import mend
from assistant.backends import Backend
from assistant.conversation.followup import (
    SHORT,
    earlier_question,
    points_back,
    respelt,
    rewritten,
    with_earlier,
)
from assistant.judging import Judge, Verdict, get_judge
from assistant.judging.features import Reader, features
from assistant.programme import Programme
from assistant.prompt import Passage, Prompt, Turn
from assistant.reading import get_reader
from assistant.retrieval.evidence import rank_sentences
from assistant.retrieval.keyword import share
from assistant.retrieval.search import Filters, Retrieval, Retriever
from assistant.settings import AssistantSettings
from assistant.text import sentence_start, tokens
from vectorstore.records import MILESTONE, Chunk
from vectorstore.store import Store

PARTLY_COVERED = "The passages found answer only part of the question."
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
READ_PASSAGES, READ_SENTENCES = 3, 3  # what the reader reads: the judge's best passages
PART_STRENGTH = 0.5  # a part this well covered, the whole less, earns the "only part" note
OFF_SOURCE = (
    "the question is about the ICMPD programme, and none of the passages found is from its "
    "publications"
)
# A refusal after the passages answered gives its own reason, not the judge's reasons to answer.
RECORDS_DECLINED = (
    "the answer would rest on timeline and catalogue records alone, which do not say this"
)
NO_QUOTE = "no sentence of the passages found could be quoted as the answer"


@dataclass
class Search:
    """One search for a question: what was found, the prompt built from it, the evidence as
    features and the judge's verdict on it."""

    retrieval: Retrieval
    prompt: Prompt
    chunks: dict[int, Chunk]
    features: dict[str, float]
    verdict: Verdict
    merged: bool = False  # searched together with the question before

    @property
    def evidence(self) -> float:
        return self.verdict.score

    @property
    def partial(self) -> bool:
        """Strong for one part of a question asking two things, not the whole."""
        f = self.features
        return f.get("weakest_part", 1.0) < PART_STRENGTH <= f.get("parts", 0.0)


class Assistant:
    def __init__(
        self,
        store: Store,
        backend: Backend,
        settings: AssistantSettings | None = None,
        retriever: Retriever | None = None,
        records_first: bool = True,
        judge: Judge | None = None,
        reader: Reader | None = None,
    ) -> None:
        self.store = store
        self.backend = backend
        self.settings = settings or AssistantSettings()
        self.retriever = retriever or Retriever(store)
        self.programme = Programme(store, self.retriever, records_first)
        threshold = self.settings.min_score if self.settings.min_score >= 0 else None
        self.judge = judge or get_judge(self.settings.judge, threshold)
        # Scores sentences as answers: a judge feature and the answer's choice (ATP_READER).
        self.reader = reader if reader is not None else get_reader(self.settings.reader)

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
        question = clean_question(question)
        if not question:
            yield Answer("Please type a question.", True, [], question, question)
            return
        # Misspelt words are read as the indexed words they were meant to be, by every stage.
        read, history = respelt(self.retriever.keyword_index(), question, history)
        for event in self._answer(read, history, filters):
            if isinstance(event, Answer) and read != question:
                event.text += f"\n\n(Read as: “{read}”.)"
                event.question = question
            yield event

    def _answer(
        self, question: str, history: Sequence[Turn], filters: Filters | None
    ) -> Iterator[str | Answer]:
        started = time.perf_counter()
        earlier = earlier_question(question, history)
        # The timeline's and catalogue's records answer first (assistant/programme/), and the
        # PDFs' passages add what they say beside them; a question no record holds goes on to
        # the passages alone.
        from_records = self.programme.answer(question, history, filters, self.backend.name)
        if from_records is not None and from_records.refused:  # the records rule the years out
            yield from_records
            return
        if from_records is not None:
            passages = Assistant(
                self.store,
                self.backend,
                self.settings,
                self.retriever,
                False,
                self.judge,
                self.reader,
            )
            pages = passages.ask(question, history, filters)
            answer = self.programme.beside(from_records, pages, question)
            yield answer.text
            yield answer
            return
        found = self.search(question, history, filters)
        if found is None:
            empty = not self.store.documents()
            text = EMPTY_INDEX if empty else NOT_COVERED + " Nothing matched the filters you set."
            yield Answer(text, True, [], question, with_earlier(question, earlier))
            return
        prompt, chunks, verdict = found.prompt, found.chunks, found.verdict
        pages = self._page_lookup()
        if not verdict.answers:
            yield self._refusal(prompt, chunks, pages, verdict, started)
            return
        pieces: list[str] = []
        for piece in self.backend.generate(prompt):
            pieces.append(piece)
            yield piece
        text, sources, removed = check("".join(pieces), prompt.passages, chunks, pages)
        declined = not sources or self.programme.owns(sources)  # records the records declined
        off = not declined and self.programme.off_source(question, earlier, chunks.values())
        if declined or off:
            reason = OFF_SOURCE if off else RECORDS_DECLINED if sources else NO_QUOTE
            refusal = self._refusal(
                prompt, chunks, pages, Verdict(verdict.score, False, (reason,)), started
            )
            refusal.removed = removed
            yield refusal
            return
        # for display only: each source's quote stays verbatim
        text = mend(text, found.retrieval.index.known)
        if found.partial:
            text += f"\n\n({PARTLY_COVERED})"
        if found.merged:
            text += f"\n\n(Read together with your previous question: “{earlier}”.)"
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
            verdict.score,
            self.backend.name,
            time.perf_counter() - started,
            list(verdict.reasons),
        )

    def search(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: Filters | None = None,
        k: int | None = None,
    ) -> Search | None:
        """The passages to answer from, and how strongly they answer; None if nothing matched.

        A question that looks like a follow-up is searched with the question before it and
        alone too, unless it is short and points back ("and in 2016?"): alone wins when it
        answers at least as strongly, so a question that stands on its own is never merged
        with the one before. The two are compared as if neither were a follow-up, since being
        one is itself a feature the judge weighs; for a short question, whose few words the
        question before outweighs, alone wins when its first passage holds more of them. When
        the search together finds no strong evidence, its passages are judged on the
        follow-up's own words, since a page that answers a short follow-up need not repeat
        the question before.
        """
        k = k or self.settings.top_k
        earlier = earlier_question(question, history)
        query = rewritten(self.backend, question, earlier)
        found = self._search(question, query, earlier, history, filters, k)
        if not earlier or found is None:
            return found
        short = len(tokens(question)) <= SHORT
        if not (short and points_back(question)):
            alone = self._search(question, question, "", history, filters, k)
            if (
                alone is not None
                and alone.verdict.answers
                and (not found.verdict.answers or self._alone_wins(alone, found, short))
            ):
                return alone
            if short and alone is not None and found.verdict.answers and _same_first(alone, found):
                # the page the conversation found is the one its own few words find first:
                # that evidence, the sentences its own words choose ("uk helpline number?")
                return replace(alone, features=found.features, verdict=found.verdict)
        if found.verdict.answers:
            return found
        own = replace(found.retrieval, query_tokens=tokens(query))
        evidence, verdict = self.judge_evidence(own, found.prompt, bool(earlier))
        return replace(found, features=evidence, verdict=verdict)

    def _alone_wins(self, alone: Search, together: Search, short: bool) -> bool:
        """Both answer: alone at least as strongly, the two compared as if neither were a
        follow-up; a short question, when its first page found alone holds more of its words."""
        if short:
            return _holds_more(alone, together)
        return alone.verdict.score >= self.judge.judge({**together.features, "followup": 0.0}).score

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
        evidence, verdict = self.judge_evidence(retrieval, prompt, bool(earlier))
        return Search(retrieval, prompt, chunks, evidence, verdict, merged=bool(earlier))

    def prompt(
        self, question: str, standalone: str, history: Sequence[Turn], retrieval: Retrieval
    ) -> tuple[Prompt, dict[int, Chunk]]:
        index = retrieval.index
        period = retrieval.period
        passages, chunks = [], {}
        for n, cand in enumerate(retrieval.candidates, start=1):
            chunk = self._from_sentence_start(cand.chunk)
            # A page's running header is no part of its first sentence (still a substring).
            body = chunk.text[running_headers(index).skip(chunk) :]
            ranked = rank_sentences(body, retrieval.query_tokens, index)
            if (
                retrieval.whole_period
                and chunk.kind == MILESTONE
                and ranked
                and chunk.year is not None
                and period.overlaps(chunk.year, chunk.year)
            ):
                # "Which milestones date from before 2006?": a record dated in the period
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
        if self.reader is not None:
            passages = self._read(standalone, passages)
        return Prompt(question, standalone, tuple(passages), tuple(history)), chunks

    def _from_sentence_start(self, chunk: Chunk) -> Chunk:
        """A chunk the splitter began inside a sentence ("ses, but for each year the number
        ...") read from that sentence's start on its page: still a substring of the page, so
        what is quoted from it verifies, and no answer opens with half a sentence."""
        if chunk.page is None or not chunk.text[:1].islower() or chunk.start <= 0:
            return chunk
        page = self.store.page_text(chunk.doc_id, chunk.page, chunk.version)
        if not page or page[chunk.start : chunk.end] != chunk.text:
            return chunk
        start = sentence_start(page, chunk.start)
        if start is None or start >= chunk.start:
            return chunk
        return replace(chunk, start=start, text=page[start : chunk.end])

    def _read(self, question: str, passages: list[Passage]) -> list[Passage]:
        """The reader's score on the best sentences of the best passages, kept on each sentence
        for the judge: one call per question. The answer's choice is the fitted ranker's (a
        reader added to the word overlap chose worse: eval/decisions.md)."""
        texts = [s.text for p in passages[:READ_PASSAGES] for s in p.sentences[:READ_SENTENCES]]
        scores = iter(self.reader.score(question, texts) if texts else [])
        out = []
        for i, p in enumerate(passages):
            if i < READ_PASSAGES:
                read = [
                    replace(s, reader=float(next(scores))) for s in p.sentences[:READ_SENTENCES]
                ]
                p = replace(p, sentences=(*read, *p.sentences[READ_SENTENCES:]))
            out.append(p)
        return out

    def judge_evidence(
        self, retrieval: Retrieval, prompt: Prompt, followup: bool
    ) -> tuple[dict[str, float], Verdict]:
        """The evidence as features, and the judge's verdict on it.

        A follow-up with words of its own asks its own kind of question ("And the average
        sentence in 2011?" wants no count); an elliptical one ("And in 2011?") asks what the
        question before asked.
        """
        evidence = features(retrieval, prompt, asked_of(prompt), followup)
        return evidence, self.judge.judge(evidence)

    def _refusal(self, prompt, chunks, pages, verdict: Verdict, started: float) -> Answer:
        sources = related(prompt.passages[:3], chunks, pages)
        text = NOT_COVERED
        if verdict.reasons:
            text += f" ({verdict.reasons[0][0].upper()}{verdict.reasons[0][1:]}.)"
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
            strength=verdict.score,
            backend=self.backend.name,
            seconds=time.perf_counter() - started,
            why=list(verdict.reasons),
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


def clean_question(question: str) -> str:
    """The question as words: no escapes or invisible marks, cut at a word boundary."""
    question = _INVISIBLE.sub("", _ESCAPE.sub("", question or ""))
    question = " ".join(_CONTROL.sub(" ", question).split())
    if len(question) <= MAX_QUESTION_CHARS:
        return question
    cut = question[: MAX_QUESTION_CHARS + 1]
    return cut[: cut.rfind(" ")].rstrip() if " " in cut else cut[:MAX_QUESTION_CHARS]


def _holds_more(alone: Search, together: Search) -> bool:
    """Whether the first passage found alone holds more of the question's own words (by idf)
    than the first passage found together with the question before."""
    index = alone.retrieval.index
    weights = index.weights(alone.retrieval.query_tokens)

    def held(found: Search) -> float:
        first = found.retrieval.candidates[0].chunk.text
        return share(weights, index.words_of(first))

    return held(alone) > held(together)


def _same_first(a: Search, b: Search) -> bool:
    return a.retrieval.candidates[0].chunk.id == b.retrieval.candidates[0].chunk.id


def with_backend(assistant: Assistant, backend: Backend) -> Assistant:
    """Same store and warm indexes, another answerer: for the app's backend switch."""
    return Assistant(
        assistant.store,
        backend,
        assistant.settings,
        assistant.retriever,
        judge=assistant.judge,
        reader=assistant.reader,
    )


__all__ = ["Assistant", "Filters", "clean_question", "replace", "with_backend"]
