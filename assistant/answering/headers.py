"""Running headers: what a document prints at the top of its pages ("14 TRAFFICKING IN HUMAN
BEINGS; THIRD REPORT ...", "Case law on trafficking in human beings 194"), which pypdf runs
into the page's first sentence. Found from the index itself, as the opening words many pages
of a document share (page numbers aside), so a page's first sentence is read without them."""

from __future__ import annotations

import re
import threading
import weakref
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from vectorstore.records import PUBLICATION, Chunk

if TYPE_CHECKING:
    from assistant.retrieval.keyword import KeywordIndex

MAX_WORDS = 30  # a header is a line: no longer than this
# A chapter's header ends in the page's own number ("Prosecution and trial of suspects in the
# Netherlands 83"); that number makes it one on a few pages, with this many words before it.
CHAPTER_WORDS = (3, 12)
MIN_PAGES = 3  # pages that must open with it
SHARE = 0.1  # ... and at least this share of the document's pages (headers alternate by page)
# The header ends where the pages part ways: each next word must be on this share of the pages
# that open with the words before it (a body word is on a few of them).
KEEP = 0.8
_WORD = re.compile(r"\S+")


def _key(word: str) -> str | None:
    """A word as headers are compared: any page number alike, any section number alike, and
    separators ("|", "–") left out, since pages print them differently."""
    if word.isdigit():
        return "#"
    if not any(ch.isalnum() for ch in word):
        return None
    return "·" if not any(ch.isalpha() for ch in word) else word.lower()


def _opening(text: str) -> list[tuple[int, str]]:
    """(offset, key) of the first words of a page."""
    found = ((m.start(), _key(m.group())) for m in _WORD.finditer(text[: MAX_WORDS * 40]))
    return [(at, key) for at, key in found if key is not None][:MAX_WORDS]


def _page_number_at(chunk: Chunk) -> int | None:
    """Where among a page's first words its own printed number stands, after CHAPTER_WORDS
    words of a heading; None if it does not."""
    label = chunk.page_label or str(chunk.page)
    low, high = CHAPTER_WORDS
    words = [m.group() for m in _WORD.finditer(chunk.text[: MAX_WORDS * 40])]
    keys = [k for k in map(_key, words) if k is not None]
    if len(keys) != len(words):
        return None  # a separator among them: the positions would not match the keys'
    for at in range(low, min(high, len(words) - 1) + 1):
        if words[at] == label:
            return at if all(k not in "#·" for k in keys[:at]) else None
    return None


class RunningHeaders:
    def __init__(self, chunks: Sequence[Chunk]) -> None:
        openings: dict[str, list[tuple[str, ...]]] = {}
        numbered: dict[str, Counter[tuple[str, ...]]] = {}
        for c in chunks:
            if c.kind == PUBLICATION and c.page is not None and c.start == 0:
                keys = tuple(key for _, key in _opening(c.text))
                openings.setdefault(c.doc_id, []).append(keys)
                if (ends := _page_number_at(c)) is not None:
                    numbered.setdefault(c.doc_id, Counter())[keys[: ends + 1]] += 1
        self._headers: dict[str, set[tuple[str, ...]]] = {}
        self._any: set[tuple[str, ...]] | None = None
        for doc, pages in openings.items():
            counts: Counter[tuple[str, ...]] = Counter()
            for words in pages:
                counts.update(words[:n] for n in range(1, len(words) + 1))
            least = max(MIN_PAGES, SHARE * len(pages))
            kept: dict[tuple[str, ...], bool] = {}
            for prefix in sorted(counts, key=len):
                n = counts[prefix]
                kept[prefix] = n >= least and (
                    len(prefix) == 1 or (kept[prefix[:-1]] and n >= KEEP * counts[prefix[:-1]])
                )
            headers = {
                p for p, ok in kept.items() if ok and len(p) >= 2 and any(k not in "#·" for k in p)
            }
            # A chapter's header under the document's, up to its page number, on fewer pages.
            headers |= {
                prefix
                for prefix, n in counts.items()
                if prefix[-1] == "#"
                and n >= MIN_PAGES
                and any(prefix[:k] in headers for k in range(2, len(prefix)))
            }
            headers |= {p for p, n in numbered.get(doc, Counter()).items() if n >= MIN_PAGES}
            self._headers[doc] = headers

    def opens(self, sentence: str) -> bool:
        """Whether the sentence starts with a running header of any document (3 words or more):
        the evaluation's test that an answer still carries one."""
        if self._any is None:
            self._any = {h for headers in self._headers.values() for h in headers if len(h) >= 3}
        keys = tuple(key for _, key in _opening(sentence))
        return any(keys[:n] in self._any for n in range(3, len(keys) + 1))

    def skip(self, chunk: Chunk) -> int:
        """How many characters of the chunk's text are its page's running header (0: none)."""
        headers = self._headers.get(chunk.doc_id)
        if not headers or chunk.start != 0:
            return 0
        words = _opening(chunk.text)
        keys = tuple(key for _, key in words)
        longest = max((n for n in range(2, len(keys) + 1) if keys[:n] in headers), default=0)
        if longest == len(words):  # a page of nothing but its header
            return len(chunk.text) if len(words) < MAX_WORDS else 0
        return words[longest][0] if longest else 0


_FOUND: weakref.WeakKeyDictionary[object, RunningHeaders] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def running_headers(index: KeywordIndex) -> RunningHeaders:
    """The headers of an index's documents, found once per index (a new generation, anew)."""
    with _LOCK:
        found = _FOUND.get(index)
        if found is None:
            found = _FOUND[index] = RunningHeaders(index.chunks)
        return found
