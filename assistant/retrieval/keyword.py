"""BM25 over every committed chunk, and over every page, kept in memory and rebuilt when the
index changes.

Anti-trafficking reports are full of exact terms (article numbers, programme names, figures)
that dense retrieval alone misses; this is the keyword half of hybrid search. A question's
words are often spread over a page's passages (the table's title in one, its figures in the
next), so whole pages are searched too.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet

import bm25s
import numpy as np

from assistant.retrieval.periods import Period
from assistant.text import STOPWORDS, WORD, sentence_spans, tokens
from vectorstore.records import MILESTONE, Chunk


class KeywordIndex:
    def __init__(self, chunks: Sequence[Chunk], known: frozenset[str] = frozenset()) -> None:
        """`known`: words of the language (text.language_words), never taken for misspellings."""
        self.known = known
        self.chunks = list(chunks)
        self.position = {c.id: i for i, c in enumerate(self.chunks)}
        words = [tokens(_indexed_text(c)) for c in self.chunks]
        docs = [w or ["_empty_"] for w in words]
        self.bm25 = bm25s.BM25()
        if docs:
            self.bm25.index(docs, show_progress=False)
        groups: dict[tuple[str, int | None], list[int]] = {}
        for i, chunk in enumerate(self.chunks):
            # A record (a milestone) has no page: it is a page of its own.
            key = (chunk.doc_id, chunk.page) if chunk.page is not None else (chunk.id, None)
            groups.setdefault(key, []).append(i)
        # The chunk positions of each page, in the order of `page_scores`.
        self.pages: list[list[int]] = list(groups.values())
        self._page_bm25 = bm25s.BM25()
        if self.pages:
            self._page_bm25.index(
                [
                    _page_tokens(self.chunks[p[0]].title, [words[i] for i in p]) or ["_empty_"]
                    for p in self.pages
                ],
                show_progress=False,
            )
        frequency: Counter[str] = Counter()
        vocabulary: dict[str, set[str]] = {}
        for chunk, doc in zip(self.chunks, docs, strict=True):
            frequency.update(set(doc))
            vocabulary.setdefault(chunk.doc_id, set()).update(doc)
        self._vocabulary = vocabulary
        n = max(len(docs), 1)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}
        self._max_idf = math.log(1 + (n + 0.5) / 0.5)
        self._prefixes = {t[:5] for t in frequency if len(t) >= 5}
        self._frequency = frequency
        self._speller: object | None = None
        self._surface: object | None = None  # a speller over the indexed words as written
        self._counts: Counter[str] | None = None  # the indexed words as written, counted
        self._words: dict[str, frozenset[str]] = {}
        self._sentences: dict[str, list[tuple[int, int, frozenset[str]]]] = {}

    def __len__(self) -> int:
        return len(self.chunks)

    def idf(self, token: str) -> float:
        """Unknown words weigh most: a question about something absent should look unsupported."""
        return self._idf.get(token, self._max_idf)

    def unknown(self, query_tokens: Sequence[str]) -> list[str]:
        """Words no indexed text contains, nor a word sharing its first five letters (typos,
        odd inflections), nor the word it derives from ("slower", "ruler"): the question is
        about something absent."""
        return [
            t
            for t in dict.fromkeys(query_tokens)
            if t not in self._idf
            and not t.isdigit()
            and t[:5] not in self._prefixes
            and not any(t.endswith(end) and t[: -len(end)] in self._idf for end in _DERIVATIONS)
        ]

    def corrected(self, query_tokens: Sequence[str]) -> list[str]:
        """The tokens with each misspelt one ("referal", "traficking") replaced by the nearest
        indexed word (SymSpell over the index's own vocabulary, built on first need)."""
        out = []
        for t in query_tokens:
            if t in self._idf or t.isdigit() or len(t) < MIN_CORRECTED:
                out.append(t)
                continue
            found = self._spell().lookup(t, _verbosity(), max_edit_distance=1 if len(t) < 9 else 2)
            out.append(found[0].term if found else t)
        return out

    def corrected_text(self, text: str) -> str:
        """The text with each misspelt word replaced by the indexed word it was meant to be, so
        that dense search reads it right too."""

        def fix(word: str) -> str | None:
            found = tokens(word)
            if len(found) != 1 or found[0] in self._idf:
                return None
            fixed = self.corrected(found)[0]
            return fixed if fixed != found[0] else None

        return _rewritten(text, fix)

    def respelt(self, text: str) -> str:
        """The text with each word that no indexed text holds, in any inflection, written as the
        indexed word nearest in spelling ("guidlines" -> "guidelines"): the question then reads
        right to every stage, the records' matching and the judge as well as the search."""

        def fix(word: str) -> str | None:
            lowered = word.lower()
            if lowered not in self.known and (contracted := self._contraction(lowered)):
                return contracted
            found = tokens(word)
            if len(lowered) < MIN_CORRECTED or not found or lowered in self.known:
                return None
            if all(t in self._idf for t in found):
                return None
            hit = self._surface_speller().lookup(
                lowered, _verbosity(), max_edit_distance=1 if len(lowered) < 9 else 2
            )
            return hit[0].term if hit and hit[0].term != lowered else None

        return _rewritten(self._question_word(text), fix)

    def _question_word(self, text: str) -> str:
        """The question's opening word as the one question word it is a slip away from ("wen
        was ..." -> "when was ..."): too short for the speller, and often a word of the
        language ("wen", "wat"), but rare in the indexed texts beside the question word. A
        common short word ("that", "were") is never taken for one."""
        match = re.match(r"\W*(\w+)", text)
        if not match:
            return text
        word = match.group(1)
        lowered = word.lower()
        if lowered in QUESTION_WORDS or lowered in STOPWORDS or self._contraction(lowered):
            return text  # "whats" is "what's", not "what"
        slips = _distance()  # one letter added, dropped, changed, or two neighbours swapped
        near = [q for q in QUESTION_WORDS if slips.compare(lowered, q, 1) == 1]
        if len(near) != 1:
            return text  # "hwo": "how" or "who"
        counts = self._surface_counts()
        if counts[lowered] and counts[lowered] * RARER >= counts[near[0]]:
            return text  # a word the texts use in its own right
        fixed = near[0].capitalize() if word[0].isupper() else near[0]
        return text[: match.start(1)] + fixed + text[match.end(1) :]

    def _contraction(self, word: str) -> str | None:
        """A contraction typed without its apostrophe ("dont", "isnt", "whats") written with it,
        not corrected to the nearest indexed word ("done", "sint", "what")."""
        if word.endswith("nt") and word[:-1] in self.known:
            return f"{word[:-1]}'t"
        if word.endswith("s") and word[:-1] in CONTRACTED_IS:
            return f"{word[:-1]}'s"
        return None

    def _surface_counts(self) -> Counter[str]:
        """How often each word (lower-cased, as written) occurs in the indexed texts."""
        if self._counts is None:
            self._counts = Counter(
                w.lower() for c in self.chunks for w in WORD.findall(_indexed_text(c))
            )
        return self._counts

    def _surface_speller(self):
        if self._surface is None:
            from symspellpy import SymSpell

            speller = SymSpell(max_dictionary_edit_distance=2)
            for word, count in self._surface_counts().items():
                if len(word) >= MIN_CORRECTED and not word.isdigit():
                    speller.create_dictionary_entry(word, count)
            self._surface = speller
        return self._surface

    def _spell(self):
        if self._speller is None:
            from symspellpy import SymSpell

            speller = SymSpell(max_dictionary_edit_distance=2)
            for term, count in self._frequency.items():
                if not term.isdigit():
                    speller.create_dictionary_entry(term, count)
            self._speller = speller
        return self._speller

    def mentions(self, doc_id: str, token: str) -> bool:
        """Whether any indexed text of the document (its title included) contains the word."""
        return token in self._vocabulary.get(doc_id, ())

    def milestones_in(self, period: Period) -> list[Chunk]:
        """The timeline's records dated within the period."""
        return [
            c
            for c in self.chunks
            if c.kind == MILESTONE and c.year and period.overlaps(c.period_start or c.year, c.year)
        ]

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 of each chunk; each distinct word counts once, so a word repeated a thousand
        times neither dominates nor takes a thousand passes."""
        if not self.chunks or not query_tokens:
            return np.zeros(len(self.chunks), dtype=np.float32)
        distinct = list(dict.fromkeys(query_tokens))
        return np.asarray(self.bm25.get_scores(distinct), dtype=np.float32)

    def page_scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 of each page (see `pages`) for the question, each distinct word once."""
        if not self.pages or not query_tokens:
            return np.zeros(len(self.pages), dtype=np.float32)
        distinct = list(dict.fromkeys(query_tokens))
        return np.asarray(self._page_bm25.get_scores(distinct), dtype=np.float32)

    def coverage(self, query_tokens: Sequence[str], text: str) -> float:
        """Share of the question's weight (by idf) whose words occur in the text."""
        return self.coverage_of(query_tokens, self.words_of(text))

    def coverage_of(self, query_tokens: Sequence[str], present: frozenset[str]) -> float:
        return share(self.weights(query_tokens), present)

    def weights(self, query_tokens: Sequence[str]) -> dict[str, float]:
        """Each distinct word of the question and its idf: look them up once for many texts."""
        return {t: self.idf(t) for t in set(query_tokens)}

    def words_of(self, text: str) -> frozenset[str]:
        """The text's tokens, cached: every question re-reads the same top passages."""
        found = self._words.get(text)
        if found is None:
            found = frozenset(tokens(text))
            self._remember(self._words, text, found)
        return found

    def sentences_of(self, text: str) -> list[tuple[int, int, frozenset[str]]]:
        """(start, end, tokens) of each sentence of the text, cached like words_of."""
        found = self._sentences.get(text)
        if found is None:
            found = [(a, b, frozenset(tokens(text[a:b]))) for a, b in sentence_spans(text)]
            self._remember(self._sentences, text, found)
        return found

    @staticmethod
    def _remember(cache: dict, key: str, value: object) -> None:
        if len(cache) >= CACHE_TEXTS:
            cache.clear()  # crude, but bounded; a full index fits many times over
        cache[key] = value


def share(weights: dict[str, float], present: AbstractSet[str]) -> float:
    """The share of the question's weight (`KeywordIndex.weights`) whose words are present."""
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in present) / total if total else 0.0


QUESTION_WORDS = ("what", "when", "where", "which", "who", "whose", "why", "how")
RARER = 20  # an opening word this much rarer in the texts than a question word is a slip of it
MIN_CORRECTED = 4  # shorter tokens are codes and abbreviations, not misspellings
# The words English contracts with "is" ("what's", "who's"): typed "whats", they are no typo.
CONTRACTED_IS = frozenset({"what", "how", "who", "where", "when", "why", "that", "there", "here"})
CACHE_TEXTS = 5_000  # passages whose tokens are kept between questions (tens of MB at most)

# Endings that make a word from another one the stemmer leaves alone: slow-er, rule-r, old-est.
_DERIVATIONS = ("er", "r", "est", "st", "ers", "rs", "ly")


def _rewritten(text: str, fix: Callable[[str], str | None]) -> str:
    """The text with every whole word for which `fix` gives a different spelling replaced."""
    out = text
    for word in set(WORD.findall(text)):
        fixed = fix(word)
        if fixed is not None and fixed != word:
            out = re.sub(rf"\b{re.escape(word)}\b", fixed, out)
    return out


@functools.cache
def _distance():
    from symspellpy.editdistance import DistanceAlgorithm, EditDistance

    return EditDistance(DistanceAlgorithm.DAMERAU_OSA)


def _verbosity():
    from symspellpy import Verbosity

    return Verbosity.TOP


def _indexed_text(chunk: Chunk) -> str:
    """The title is searchable too, so 'the organ removal report' finds its pages."""
    return f"{chunk.title} {chunk.text}"


def _page_tokens(title: str, passages: Sequence[list[str]]) -> list[str]:
    """A page's tokens: its title's once, then each passage's own (their overlaps repeat a few
    words, as in chunk search). Read off the passages' tokens, which start with the title's
    (tokens split on every space), instead of tokenising the page again: that took 2.7 s of
    the corpus index's 6.8 s."""
    skip = len(tokens(title))
    return tokens(title) + [t for words in passages for t in words[skip:]]
