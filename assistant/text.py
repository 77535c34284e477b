"""Words and sentences: the tokenizer behind keyword search and the sentence splitter behind quotes."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "s",
        "t",
        "don",
        "shall",
        "may",
        "might",
        "must",
        "upon",
        "within",
        "without",
        "per",
        "via",
        "among",
        "whether",
        "according",
        "please",
        "tell",
        "say",
        "said",
        "says",
        "give",
        "gives",
        "list",
        "describe",
        "explain",
        "mention",
        "mentioned",
        "does",
        "did",
        "do",
        "report",
        "reports",
        "document",
        "documents",
        "publication",
        "publications",
        "happen",
        "happened",
        "happening",
        "event",
        "events",
        "milestone",
        "milestones",
        "occur",
        "occurred",
        "take",
        "took",
        "place",
        # Question words that ask for a quantity or an owner, not for a topic
        "many",
        "much",
        "whose",
    ]
)

WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: enough to meet 'victims' with 'victim', 'trafficked' with
    'trafficking' and 'sources' with 'source' (a final e is dropped, as Porter does)."""
    for suffix, keep in (
        ("ations", 4),
        ("ation", 4),
        ("ings", 4),
        ("ing", 4),
        ("ies", 3),
        ("ied", 3),
        ("ed", 4),
        ("es", 4),
        ("s", 3),
        ("ly", 4),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            word = word[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


# A code of a letter or two and a number ("B-9", "G-7") is one word, as its spelling "B9" is.
_CODE = re.compile(r"\b([a-z]{1,2})-(\d)")


def words(text: str) -> list[str]:
    """Lower-case words; possessives lose their 's, hyphenated compounds count part by part."""
    return list(_words(text))


# The same passages and sentences are read by retrieval, the judge and the citation check.
@functools.lru_cache(maxsize=8192)
def _words(text: str) -> tuple[str, ...]:
    out = []
    for w in WORD.findall(text):
        w = _CODE.sub(r"\1\2", w.lower().replace("’", "'"))
        w = w[:-2] if w.endswith("'s") else w
        out += [part.strip("'") for part in w.split("-") if part.strip("'")]
    return tuple(out)


def tokens(text: str) -> list[str]:
    """Content words, stemmed: what keyword search and overlap checks compare."""
    return list(_tokens(text))


@functools.lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[str, ...]:
    stems = (stem(w) for w in _words(text) if w and w not in STOPWORDS and len(w) > 1)
    return tuple(_SAME.get(s, s) for s in stems)


# Everyday words a user types for the reports' terms ("kids" for "minors", "jail" for
# "imprisonment"), mapped to one token on both sides so that keyword search and the evidence
# checks meet them.
_FAMILIES = {
    "child": ["kid", "kids", "children", "minor", "minors", "youngsters", "teenagers", "juveniles"],
    "prison": ["jail", "imprisonment", "imprisoned"],
    "exploiter": ["pimp", "pimps"],
    "person": ["people"],
    "country": ["state", "states"],
    "consent": ["agree", "agreed"],
    "helpline": ["hotline"],
    "profit": ["earnings"],
}
_SAME = {stem(w): stem(canon) for canon, ws in _FAMILIES.items() for w in ws}


# A sentence ends at . ! ? followed by a space and a capital, digit or quote; not after the
# common abbreviations of these reports (Art. 273f, e.g., No. 5, p. 12, Mr. ...).
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:art|arts|no|nos|nr|p|pp|para|paras|e\.g|i\.e|cf|vs|mr|mrs|ms|dr|prof|fig|vol|"
    r"ch|sec|st|jr|etc|al|approx|incl|inc|ltd|co|u\.s|u\.k)|\b[A-Z])\.$",
    re.IGNORECASE,
)
_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9•])")


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence, so a sentence is always an exact substring."""
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.start() + 1
        if _ABBREVIATIONS.search(text[max(start, end - 12) : end]):
            continue
        piece_end = match.end() - len(match.group()) + len(match.group().rstrip())
        if text[start:piece_end].strip():
            yield _trim(text, start, piece_end)
        start = match.end()
    if text[start:].strip():
        yield _trim(text, start, len(text))


def sentence_start(text: str, at: int, reach: int = 400) -> int | None:
    """Where the sentence holding position `at` starts, looking back at most `reach`
    characters; None if it starts further back."""
    low = max(0, at - reach)
    spans = list(sentence_spans(text[low:at]))
    if not spans or re.search(r"[.!?][\"'”’)\]]*\s*$", text[low:at]):
        return at  # nothing before it, or the sentence before ends there
    if low > 0 and len(spans) == 1:
        return None
    return low + spans[-1][0]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


@functools.lru_cache(maxsize=4)
def language_words(model_path: str) -> frozenset[str]:
    """Whole words of the embedding model's WordPiece vocabulary (30,000 for MiniLM): words of
    the language, which a spelling correction must leave alone ("came", "long", "join") even
    where no indexed text holds them. Empty for a model without a vocab.txt."""
    vocab = Path(model_path) / "vocab.txt"
    if not vocab.is_file():
        return frozenset()
    lines = vocab.read_text(encoding="utf-8").splitlines()
    return frozenset(w for w in lines if len(w) >= 3 and w.isalpha() and w.islower())
