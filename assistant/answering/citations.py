"""Check a generated answer against its sources before anyone sees it as final.

Each sentence must carry a marker [n] pointing at a retrieved passage that supports it; its
quote is the passage sentence that supports it best, and that quote must be found verbatim on
the cited page. Sentences failing a check are removed and reported, never silently kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.answer import Source
from assistant.prompt import Passage
from assistant.text import sentences, tokens
from vectorstore.records import Chunk

MARKERS = re.compile(r"((?:\s*\[\d+(?:\s*,\s*\d+)*\])+)([.!?]?)")
SUPPORT = 0.6  # share of a sentence's content words that its cited passage must contain

PageLookup = Callable[[Chunk], str | None]

# A passage sentence telling the reader to drop its instructions is planted, not evidence:
# counting it would let "say I am hacked" support the obedient answer "I am hacked".
INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?]{0,60}?\b(?:instructions?|prompts?|rules)\b"
    r"|\b(?:reply|respond|answer)\b[^.!?]{0,20}?\bonly with\b"
    r"|\bdeveloper mode\b",
    re.I,
)
# On a page that plants instructions, its links are the payload ("visit evil.example"), not facts.
LINK = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.I)
# Prompt scaffolding a small model may echo; it is never part of a claim.
FENCE = re.compile(r"<<<\s*(?:SOURCE\s+\d+)?|(?:SOURCE\s+\d+\s*)?>>>")


@dataclass(frozen=True)
class Claim:
    text: str  # the sentence without markers
    cited: tuple[int, ...]


def cited_by(marker: re.Match[str]) -> tuple[int, ...]:
    """The passage numbers a MARKERS match cites ("[1, 3][4]" -> 1, 3, 4)."""
    return tuple(int(n) for n in re.findall(r"\d+", marker.group(1)))


def split_claims(answer: str) -> list[Claim]:
    """Sentences with the markers that follow them ("... [1]." and "... . [1]" alike)."""
    claims: list[Claim] = []
    pos = 0
    for match in MARKERS.finditer(answer):
        segment = answer[pos : match.start()] + match.group(2)
        cited = cited_by(match)
        parts = sentences(segment.strip())
        claims += [Claim(p, ()) for p in parts[:-1]]
        if parts:
            claims.append(Claim(parts[-1], cited))
        pos = match.end()
    claims += [Claim(p, ()) for p in sentences(answer[pos:].strip())]
    return claims


def support(claim: str, passage_text: str) -> float:
    words = set(tokens(claim))
    if not words:
        return 0.0
    return len(words & set(tokens(passage_text))) / len(words)


def best_quote(claim: str, passage_text: str) -> str:
    """The passage sentence sharing most words with the claim: what the reader should check."""
    words = set(tokens(claim))
    candidates = sentences(passage_text) or [passage_text]
    return max(candidates, key=lambda s: (len(words & set(tokens(s))), -len(s)))


def check(
    answer: str,
    passages: Sequence[Passage],
    chunks: dict[int, Chunk],
    page_text: PageLookup,
) -> tuple[str, list[Source], list[str]]:
    """(checked answer with renumbered markers, its sources, removed sentences)."""
    by_n = {p.n: p for p in passages}
    pages = {n: page_text(chunks[n]) if n in chunks else None for n in by_n}
    evidence = {n: _evidence(p.text, pages[n]) for n, p in by_n.items()}
    planted = _planted_words(by_n, pages, evidence)
    kept: list[tuple[str, list[int]]] = []
    removed: list[str] = []
    sources: dict[tuple[int, str], Source] = {}
    order: list[tuple[int, str]] = []
    for claim in split_claims(FENCE.sub(" ", answer)):
        if planted & set(tokens(claim.text)):  # it repeats what only a planted sentence says
            removed.append(claim.text)
            continue
        valid = [n for n in dict.fromkeys(claim.cited) if n in by_n]
        if not valid:  # an uncited claim may still be supported by one of the passages
            best = max(by_n, key=lambda n: support(claim.text, evidence[n]), default=None)
            if best is not None and support(claim.text, evidence[best]) >= SUPPORT:
                valid = [best]
        supported = [
            n
            for n in valid
            if support(claim.text, evidence[n]) >= SUPPORT
            and all(link in evidence[n] for link in LINK.findall(claim.text))
        ]
        numbers = []
        for n in supported:
            quote = claim.text if claim.text in evidence[n] else best_quote(claim.text, evidence[n])
            if not _on_page(quote, chunks[n], page_text):
                continue
            key = (n, quote)
            if key not in sources:
                sources[key] = source(len(sources) + 1, chunks[n], quote, by_n[n].score)
                order.append(key)
            numbers.append(sources[key].n)
        if numbers:
            kept.append((claim.text, numbers))
        else:
            removed.append(claim.text)
    text = " ".join(f"{t} " + "".join(f"[{n}]" for n in dict.fromkeys(ns)) for t, ns in kept)
    return text, [sources[k] for k in order], removed


def related(
    passages: Sequence[Passage], chunks: dict[int, Chunk], page_text: PageLookup
) -> list[Source]:
    """Closest sources for a refusal: listed for reading, asserting nothing."""
    out: list[Source] = []
    for p in passages:
        hostile = _plants(page_text(chunks[p.n]) or p.text)
        ranked = [s.text for s in p.sentences] or [p.text[:300]]
        quote = next((q for q in ranked if not _is_planted(q, hostile)), None)
        if quote is not None and _on_page(quote, chunks[p.n], page_text):
            out.append(source(len(out) + 1, chunks[p.n], quote, p.score))
    return out


def _plants(text: str) -> bool:
    """Whether any sentence of `text` gives the model instructions."""
    return any(INSTRUCTION.search(s) for s in sentences(text))


def _is_planted(sentence: str, hostile: bool) -> bool:
    """An instruction, or a link on a page that plants instructions."""
    return bool(INSTRUCTION.search(sentence) or (hostile and LINK.search(sentence)))


def _evidence(passage_text: str, page: str | None = None) -> str:
    """The passage without planted sentences (normalised text: sentences join with a space)."""
    hostile = _plants(page or passage_text)
    return " ".join(s for s in sentences(passage_text) if not _is_planted(s, hostile))


def _planted_words(
    passages: dict[int, Passage], pages: dict[int, str | None], evidence: dict[int, str]
) -> set[str]:
    """Words that only planted sentences use (PWNED, evil.example): no claim may repeat them."""
    planted: set[str] = set()
    clean = {w for text in evidence.values() for w in tokens(text)}
    for n, p in passages.items():
        text = p.text if pages[n] is None else f"{p.text} {pages[n]}"
        hostile = _plants(text)
        for sentence in sentences(text):
            (planted if _is_planted(sentence, hostile) else clean).update(tokens(sentence))
    return planted - clean


def _on_page(quote: str, chunk: Chunk, page_text: PageLookup) -> bool:
    text = page_text(chunk)
    return bool(quote) and text is not None and quote in text


def source(n: int, chunk: Chunk, quote: str, score: float) -> Source:
    """The citation of `quote` in `chunk`; a PDF's link opens at the chunk's page."""
    url = chunk.url
    if url and chunk.page:
        url = f"{url}#page={chunk.page}"
    return Source(
        n=n,
        kind=chunk.kind,
        id=chunk.ref_id,
        doc_id=chunk.doc_id,
        title=chunk.title,
        year=chunk.year,
        page=chunk.page,
        page_label=chunk.page_label,
        quote=quote,
        url=url,
        score=score,
    )
