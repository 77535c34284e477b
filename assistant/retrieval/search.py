"""Hybrid search: keyword (BM25, over passages and over whole pages) and dense (Chroma)
results fused by reciprocal rank, the top re-ranked by word coverage; a question about the
programme that names a period gets that period's milestones and publications first."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.conversation.followup import with_earlier
from assistant.retrieval.evidence import rank_sentences
from assistant.retrieval.keyword import KeywordIndex
from assistant.retrieval.periods import Period, find_period
from assistant.text import language_words, stem, tokens
from vectorstore.records import MILESTONE, Chunk
from vectorstore.store import Store

RRF_K = 60  # the usual constant: rank 1 scores 1/61, rank 10 scores 1/70
# Word coverage added to the fused score of the top RESCORE_DEPTH (eval/decisions.md: retrieval)
RESCORE_DEPTH = 30
PASSAGE_WEIGHT = 0.02  # x the share of the question's weight in the passage
SENTENCE_WEIGHT = 0.02  # x that share in its best sentence
# The top three stay as ranked: the answer and the refusal read them, and a page's second
# passage there often holds the answer. Below them another page comes before a further passage
# of a page already listed (eval/decisions.md: retrieval).
KEEP_AS_RANKED = 3
QUERY_VECTORS = 16  # question embeddings kept (the records stage and the search share one)
# For a question about the programme's timeline: its milestones of the period get the best score
# rank fusion can give (the best-matching one in full, the others a little less) times the share
# of the question's other words each holds, or twice that when the question asks for nothing but
# the period, so that all of them come first; and its publications from the period half a first
# place in the dense list.
PUBLICATION_PRIORITY = 0.5
# A follow-up's own words against those of the earlier question it leans on, in keyword search:
# "And for a child, what is the phone number?" asks about another page than the question before
# (eval/decisions.md: retrieval).
CONTEXT_WEIGHT = 0.4

# Words that make a question one about the programme itself, whose timeline answers by period.
_PROGRAMME = frozenset(stem(w) for w in ("icmpd", "programme", "program", "milestone", "timeline"))


def asks_about_the_programme(query_tokens: list[str]) -> bool:
    """Names the programme, or asks nothing but a period ("What was done in 2019?")."""
    content = [t for t in query_tokens if not t.isdigit()]
    return bool(_PROGRAMME & set(query_tokens)) or len(content) < 2


def asks_only_for_the_period(query_tokens: list[str]) -> bool:
    """ "Which milestones date from before 2006?", "What did ICMPD do in 2019?": the period's
    whole timeline answers, though no word of its records is in the question."""
    content = [t for t in query_tokens if not t.isdigit() and t not in _PROGRAMME]
    return len(content) < 2


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the search to; empty means everything."""

    doc_ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None

    def where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.doc_ids:
            clauses.append({"ref_id": {"$in": list(self.doc_ids)}})
        if self.types:
            clauses.append({"doc_type": {"$in": list(self.types)}})
        if self.year_from is not None:
            clauses.append({"year": {"$gte": self.year_from}})
        if self.year_to is not None:
            clauses.append({"year": {"$lte": self.year_to}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def accepts(self, chunk: Chunk) -> bool:
        year = chunk.year or 0
        return (
            (not self.doc_ids or chunk.ref_id in self.doc_ids)
            and (not self.types or chunk.doc_type in self.types)
            and (self.year_from is None or year >= self.year_from)
            and (self.year_to is None or year <= self.year_to)
        )


@dataclass
class Candidate:
    chunk: Chunk
    dense: float = 0.0  # cosine similarity, 0 when dense search did not return it
    keyword: float = 0.0  # BM25 score
    fused: float = 0.0


@dataclass
class Retrieval:
    query: str
    query_tokens: list[str]
    period: Period | None
    # The keyword index searched: judging the passages with the same one keeps an ingest that
    # commits meanwhile out of the answer, and saves reading the committed versions again.
    index: KeywordIndex
    candidates: list[Candidate] = field(default_factory=list)
    # The nearest passage's cosine, whether or not it survived fusion: how on-topic the
    # question is for this index, even when keyword matches fill every top place.
    nearest: float = 0.0

    @property
    def timeline(self) -> bool:
        """About the programme in a period: its milestones of the period come first."""
        return self.period is not None and asks_about_the_programme(self.query_tokens)

    @property
    def whole_period(self) -> bool:
        """Asks for the period and nothing more, so every milestone of it answers."""
        return self.timeline and asks_only_for_the_period(self.query_tokens)


def more_pages(ranked: list[Candidate], keep: int = KEEP_AS_RANKED) -> list[Candidate]:
    """The top `keep` as ranked, then other pages before more passages of pages already in."""
    seen = {(c.chunk.ref_id, c.chunk.page) for c in ranked[:keep]}
    first, repeats = list(ranked[:keep]), []
    for cand in ranked[keep:]:
        page = (cand.chunk.ref_id, cand.chunk.page)
        (repeats if page in seen else first).append(cand)
        seen.add(page)
    return first + repeats


class Retriever:
    def __init__(
        self,
        store: Store,
        dense_k: int = 30,
        keyword_k: int = 30,
        dense_weight: float = 1.0,
        # BM25 finds the right page more often on these reports: dense search mostly
        # breaks its ties and adds passages it misses.
        keyword_weight: float = 6.0,
        # Each passage of a page that BM25 ranks high as a whole gets that page's place too: a
        # question's words are often spread over a page's passages (eval/decisions.md).
        page_weight: float = 6.0,
    ) -> None:
        self.store = store
        self.dense_k = dense_k
        self.keyword_k = keyword_k
        self.dense_weight = dense_weight
        self.keyword_weight = keyword_weight
        self.page_weight = page_weight
        self._index: KeywordIndex | None = None
        self._versions: dict[str, str] | None = None
        self._lock = threading.Lock()
        self._vectors: dict[str, np.ndarray] = {}  # query_vector's last texts, oldest first

    def query_vector(self, text: str) -> np.ndarray:
        """The text's embedding; the last few are kept, since the records stage and the search
        embed the same question."""
        with self._lock:
            vector = self._vectors.get(text)
        if vector is None:
            vector = self.store.embedder.encode([text])[0]
            with self._lock:
                self._vectors[text] = vector
                while len(self._vectors) > QUERY_VECTORS:
                    self._vectors.pop(next(iter(self._vectors)))
        return vector

    def keyword_index(self, versions: dict[str, str] | None = None) -> KeywordIndex:
        """The BM25 index for the committed documents, rebuilt only when they changed."""
        versions = self.store.committed_versions() if versions is None else versions
        with self._lock:
            if self._index is None or versions != self._versions:
                known = language_words(self.store.embedder.model_path)
                self._index = KeywordIndex(list(self.store.iter_chunks(versions)), known)
                self._versions = versions
            return self._index

    def retrieve(
        self, query: str, k: int, filters: Filters | None = None, context: str = ""
    ) -> Retrieval:
        """The top `k` passages for `query`. `context`, the earlier question a follow-up leans
        on, is searched with it, its own words weighing CONTEXT_WEIGHT in keyword search."""
        filters = filters or Filters()
        versions = self.store.committed_versions()
        index = self.keyword_index(versions)
        query = index.corrected_text(query)  # misspelt words meet the indexed ones
        own = tokens(query)
        # "And what happened in 2019?" after "Which milestones date from before 2006?" asks
        # about 2019: the follow-up's own period wins over the earlier question's.
        period = find_period(query) or (find_period(context) if context else None)
        if context:
            query = with_earlier(query, context)
        result = Retrieval(query, tokens(query), period, index)
        if not len(index):
            return result
        pool: dict[str, Candidate] = {}
        vector = self.query_vector(query)
        for rank, hit in enumerate(
            self.store.search(vector, self.dense_k, filters.where(), versions=versions)
        ):
            cand = pool.setdefault(hit.chunk.id, Candidate(hit.chunk))
            cand.dense = hit.score
            cand.fused += self.dense_weight / (RRF_K + rank + 1)
            result.nearest = max(result.nearest, hit.score)
        mine = set(own)
        earlier = [t for t in dict.fromkeys(result.query_tokens) if t not in mine]
        scores = index.scores(own)
        if earlier:
            scores = scores + CONTEXT_WEIGHT * index.scores(earlier)
        if filters.where() is None:  # no filter: skip a Python call per indexed chunk
            mask = np.ones(len(index.chunks), bool)
        else:
            mask = np.fromiter((filters.accepts(c) for c in index.chunks), bool, len(index.chunks))
            scores = np.where(mask, scores, 0.0)
        for rank, i in enumerate(np.argsort(-scores)[: self.keyword_k]):
            if scores[i] <= 0:
                break
            chunk = index.chunks[i]
            cand = pool.setdefault(chunk.id, Candidate(chunk))
            cand.keyword = float(scores[i])
            cand.fused += self.keyword_weight / (RRF_K + rank + 1)
        if self.page_weight:
            self._favour_pages(index, own, earlier, mask, pool)
        if result.timeline:
            self._favour_period(result, index, scores, mask, pool)
        ranked = sorted(pool.values(), key=lambda c: c.fused, reverse=True)
        if not result.timeline:
            ranked = self._rescore(ranked[:RESCORE_DEPTH], result.query_tokens, index)
        result.candidates = more_pages(ranked)[:k]
        return result

    @staticmethod
    def _rescore(
        ranked: list[Candidate], query_tokens: list[str], index: KeywordIndex
    ) -> list[Candidate]:
        """Re-rank the fused top by how much of the question each passage, and its best
        sentence, holds: rank fusion ignores how well a passage matches, only where it ranks.

        A question about the programme's timeline is left to the period's own priority (its
        milestones first), which word overlap would undo.
        """
        for cand in ranked:
            sentences = rank_sentences(cand.chunk.text, query_tokens, index)
            best = sentences[0].score if sentences else 0.0
            whole = index.coverage(query_tokens, f"{cand.chunk.title} {cand.chunk.text}")
            cand.fused += PASSAGE_WEIGHT * whole + SENTENCE_WEIGHT * best
        return sorted(ranked, key=lambda c: c.fused, reverse=True)

    def _favour_pages(
        self,
        index: KeywordIndex,
        own: list[str],
        earlier: list[str],
        mask: np.ndarray,
        pool: dict[str, Candidate],
    ) -> None:
        """The pages that hold most of the question, whichever of their passages holds which
        word: each of their passages already found gets its page's place in that ranking."""
        scores = index.page_scores(own)
        if earlier:
            scores = scores + CONTEXT_WEIGHT * index.page_scores(earlier)
        if not mask.all():  # a filter is set: pages with no passage it accepts drop out
            accepted = np.fromiter((mask[p].any() for p in index.pages), bool, len(index.pages))
            scores = np.where(accepted, scores, 0.0)
        for rank, p in enumerate(np.argsort(-scores)[: self.keyword_k]):
            if scores[p] <= 0:
                break
            for i in index.pages[p]:
                cand = pool.get(index.chunks[i].id)
                if cand is not None and mask[i]:
                    cand.fused += self.page_weight / (RRF_K + rank + 1)

    def _favour_period(
        self,
        result: Retrieval,
        index: KeywordIndex,
        scores: np.ndarray,
        mask: np.ndarray,
        pool: dict[str, Candidate],
    ) -> None:
        """For a question about the programme, its milestones of the period first (best keyword
        match first), then publications from the period. Asked for more than the period, the
        best milestone is level with a first place in both lists, times the share of the
        question's other words it holds; asked for the period alone, every milestone comes
        above any other passage.

        A year in any other question ("B9 permits in 2009", "the Oba's 2018 declaration")
        dates what is asked, not when it was published: the figures for 2009 are in a report
        of 2010, and favouring publications of 2009 ranked the right page lower
        (eval/decisions.md: retrieval).
        """
        period = result.period
        assert period is not None  # result.timeline
        lead = 2.0 if result.whole_period else 1.0
        best = (self.dense_weight + self.keyword_weight) / (RRF_K + 1)
        milestones = sorted(
            (i for i in (index.position[c.id] for c in index.milestones_in(period)) if mask[i]),
            key=lambda i: (-scores[i], index.chunks[i].year or 0),
        )
        words = [t for t in result.query_tokens if not t.isdigit()]
        for rank, i in enumerate(milestones):
            cand = pool.setdefault(index.chunks[i].id, Candidate(index.chunks[i]))
            cand.keyword = max(cand.keyword, float(scores[i]))
            held = 1.0 if result.whole_period else index.coverage(words, cand.chunk.text)
            cand.fused += best * (lead - rank / (len(milestones) + 5)) * held
        for cand in pool.values():
            year = cand.chunk.year
            if cand.chunk.kind != MILESTONE and year and period.overlaps(year, year):
                cand.fused += PUBLICATION_PRIORITY * self.dense_weight / (RRF_K + 1)
