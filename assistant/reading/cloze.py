"""Generated training questions: a corpus sentence holding a figure or a name, the figure or
name replaced by a question word and a third of the other words dropped, is a question that
sentence answers; the other sentences of its page and the pages beside it are the negatives.

Training data only (set "cloze"): it reads the PDFs themselves, never a question set.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

from assistant.reading.pools import Pool, holds_a_key_fact
from assistant.text import sentence_spans

_NUMBER = re.compile(
    r"(?<![\w.,])\d[\d,.]*\d(?:\s?%| per cent| percent)?(?![\w])|(?<![\w.])\d(?![\w.,])"
)
_YEAR = re.compile(r"(?:19|20)\d\d")
# Two or more capitalised words not opening the sentence: a name, an organisation, a law.
_NAME = re.compile(r"(?<=[a-z,;] )(?:[A-Z][\w'’-]+ (?:of |for |and |the )?){1,4}[A-Z][\w'’-]+")
MIN_WORDS, MAX_WORDS = 10, 45
NEGATIVES = 15


def page_sentences(pdf: Path) -> list[list[str]]:
    from pypdf import PdfReader

    pages = []
    for page in PdfReader(str(pdf)).pages:
        text = " ".join((page.extract_text() or "").split())
        pages.append([text[a:b] for a, b in sentence_spans(text)])
    return pages


def _fact(sentence: str, rng: random.Random) -> tuple[str, str, str, str] | None:
    """A figure (not a year) or a name in the sentence, the question word that asks for it,
    and the text before and after it."""
    numbers = [m for m in _NUMBER.finditer(sentence) if not _YEAR.fullmatch(m.group(0))]
    names = list(_NAME.finditer(sentence))
    found = [(m, "how many") for m in numbers] + [(m, "which") for m in names]
    if not found:
        return None
    match, word = rng.choice(found)
    return match.group(0), word, sentence[: match.start()], sentence[match.end() :]


def question_from(sentence: str, rng: random.Random) -> tuple[str, str] | None:
    """(question, fact) for a sentence fit to ask about, else None."""
    words = sentence.split()
    letters = sum(ch.isalpha() for ch in sentence)
    if not MIN_WORDS <= len(words) <= MAX_WORDS or letters < 0.6 * len(sentence):
        return None
    picked = _fact(sentence, rng)
    if picked is None:
        return None
    fact, word, before, after = picked

    def thinned(text: str) -> list[str]:
        return [w for w in text.strip(" .;:()").split() if rng.random() > 0.33]

    return " ".join([*thinned(before), word, *thinned(after)]) + "?", fact


def generate(corpus: Path, count: int, seed: int) -> Iterator[Pool]:
    rng = random.Random(seed)
    options = []
    for pdf in sorted(corpus.glob("*.pdf")):
        pages = page_sentences(pdf)
        for number, sentences in enumerate(pages):
            for sentence in sentences:
                options.append((pdf.stem, number, sentence, pages))
    rng.shuffle(options)
    made = 0
    for doc, number, sentence, pages in options:
        if made >= count:
            return
        asked = question_from(sentence, rng)
        if asked is None:
            continue
        question, fact = asked
        nearby = [s for p in pages[max(0, number - 1) : number + 2] for s in p]
        negatives = [
            s
            for s in dict.fromkeys(nearby)
            if s != sentence and len(s.split()) >= 3 and not holds_a_key_fact(s, [fact])
        ]
        if len(negatives) < 3:
            continue
        negatives = rng.sample(negatives, min(NEGATIVES, len(negatives)))
        made += 1
        yield Pool(
            f"cloze-{made}",
            "cloze",
            question,
            True,
            0.0,
            [sentence, *negatives],
            [f"{doc}:{number + 1}"] * (1 + len(negatives)),
            [0] * (1 + len(negatives)),
            [True] + [False] * len(negatives),
        )
