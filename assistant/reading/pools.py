"""The sentences a reader is shown for a question: those of the passages the real retrieval
puts in front of the answerer, each labelled an answer when it is on an expected page and
holds one of the question's key facts. Training pairs and the figures both come from here, so
the negatives are the hard ones the reader meets in use (same pages, same documents)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from assistant.chat import Assistant
from assistant.eval import Question, normalise

MIN_WORDS = 3  # shorter pieces (page numbers, table cells) are never an answer on their own


@dataclass
class Pool:
    id: str
    set: str
    question: str  # as searched: a follow-up carries the question it leans on
    answerable: bool
    evidence: float  # the assistant's own evidence strength, the judge's baseline feature
    sentences: list[str]
    pages: list[str]  # "doc:page" of each sentence
    ranks: list[int]  # the retrieval rank of each sentence's passage
    answers: list[bool]

    @property
    def has_answer(self) -> bool:
        return any(self.answers)


def holds_a_key_fact(sentence: str, key_facts: Iterable[str]) -> bool:
    text = normalise(sentence)
    return any(normalise(f) in text for f in key_facts if f.strip())


def build_pool(assistant: Assistant, q: Question, set_name: str, k: int) -> Pool:
    """The pool for one question: sentences of the top `k` passages, in retrieval order."""
    found = assistant.search(q.question, q.history, k=k)
    pool = Pool(q.id, set_name, q.question, q.answerable, 0.0, [], [], [], [])
    if found is None:
        return pool
    pool.question = found.retrieval.query
    pool.evidence = float(found.evidence)
    index = found.retrieval.index
    seen: set[str] = set()
    for rank, cand in enumerate(found.retrieval.candidates[:k]):
        chunk = cand.chunk
        for start, end, words in index.sentences_of(chunk.text):
            sentence = " ".join(chunk.text[start:end].split())
            if len(words) < MIN_WORDS or sentence in seen:
                continue
            seen.add(sentence)
            on_page = q.answerable and q.is_page(chunk.ref_id, chunk.page)
            pool.sentences.append(sentence)
            pool.pages.append(f"{chunk.ref_id}:{chunk.page}")
            pool.ranks.append(rank)
            pool.answers.append(bool(on_page and holds_a_key_fact(sentence, q.key_facts)))
    return pool


def write_pools(pools: Iterable[Pool], path: Path) -> None:
    path.write_text("".join(json.dumps(asdict(p)) + "\n" for p in pools), encoding="utf-8")


def read_pools(path: Path) -> Iterator[Pool]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield Pool(**json.loads(line))
