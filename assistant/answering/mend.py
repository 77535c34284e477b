"""Extraction artefacts mended for display; the quote under each source stays verbatim."""

from __future__ import annotations

import re

# A footnote number glued after closing punctuation: "'attractive'.”84 The" -> "'attractive'.”"
_FOOTNOTE = re.compile(r"(?:(?<=[a-z)\]”\"’][.,;:])|(?<=[”\"’)]))\d{1,3}(?=\s|$)")
# ... or after a year's full stop: "to 75% in 2010.46 In contrast" -> "in 2010. In contrast"
_YEAR_FOOTNOTE = re.compile(r"(?<=\b(?:19|20)\d\d\.)\d{1,3}(?=\s+[A-Z]|$)")
# ... or after a word: "victims12 were" (not codes such as "B9" or "COVID19": 4+ lower letters)
_WORD_FOOTNOTE = re.compile(r"\b([a-z]{4,})\d{1,3}(?=[\s,.;:]|$)")
_SPLIT_FIGURE = re.compile(
    r"(?<![\d.,])(\d{1,3})\s*,\s+(\d{3})(?!\d)|(?<![\d.,])(\d{1,3})\s+,\s*(\d{3})(?!\d)"
)
# A word broken at a line end: "traf- ficking"; not "short- and long-term".
# A printer's slug at a page's foot: "15-00463_inner_E.indd 97 25/06/2015 11:16:57".
_SLUG = re.compile(r"\s*\S+\.indd\s+\d+\s+\d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?")
_HYPHENATED = re.compile(r"\b([A-Za-z]{2,})-\s+(?!(?:and|or|to|nor)\b)([a-z]{2,})\b")


# Words that open a sentence and never follow a count ("45 The reports ...", not "12 Member
# States"): a bare number before one is a footnote's or a page's number.
_OPENERS = (
    "The|A|An|In|It|Its|This|These|Those|That|There|Here|They|We|He|She|Their|His|Her|Our|"
    "According|See|Cf|Since|With|For|Although|Though|As|At|On|By|During|While|When|Where|If|"
    "Of|To|From|Only|Most|Many|Some|All|Both|Each|Such|No|Not|However|Also|Even|Because|"
    "Between|Among|Under|After|Before|Until|Within|Without|Through|Despite|Unlike|Whether|"
    "Furthermore|Moreover|Thus|Therefore|Finally|Following|Based|Given|Which|What|Who"
)
_NOTE_NUMBER = re.compile(rf"^\d{{1,3}}\s+(?=(?:{_OPENERS})\b)")
# ... and between two sentences of a quote: "(2.7 years). 70 It is not possible ..."
_BETWEEN_NOTE_NUMBER = re.compile(rf"(?<=[.!?])([”\"’)]?)\s+\d{{1,3}}\s+(?=(?:{_OPENERS})\b)")
# A numbered heading run into the sentence after it: "2.2 Incidents, investigation and
# prosecution Although the law..." or "6 Conclusions The study..." is read from the word that
# opens a sentence.
_SENTENCE_OPENS = (
    r"(?=(?:The|In|A|An|This|These|Although|As|At|For|On|By|Since|During|While|When|Of|To|It"
    r"|Its|There|Most|Many|Some|All|According|Between|Under|After|Before|Victims|Trafficking)\s)"
)
_NUMBERED = r"\d{1,2}(?:\.\d{1,2})+\.?"  # "2.2", "4.2.3.1."
_HEADING_WORD = r"[\w,'’‘“”():&/-]+"
_HEADING = re.compile(
    rf"^(?:(?:{_NUMBERED}|(?i:chapter|section|annex|part|module)\s+\w+[.:]?)\s+"
    rf"(?:{_HEADING_WORD}\s+){{0,14}}?"
    # a bare number needs a heading's words after it: "18 The Convention" is a footnote's
    rf"|\d{{1,2}}\.?\s+(?=[A-Z])(?:{_HEADING_WORD}\s+){{1,10}}?)" + _SENTENCE_OPENS
)
# ... or a section's heading and its first subsection's, each with words of its own: "9.2
# Legislation 9.2.1 Trafficking in the Criminal Code In 2002, ..."
_NESTED_HEADING = re.compile(
    rf"^{_NUMBERED}\s+(?:{_HEADING_WORD}\s+){{1,14}}?{_NUMBERED}\s+(?:{_HEADING_WORD}\s+){{1,14}}?"
    + _SENTENCE_OPENS
)
# ... whose heading itself opens with an article in sentence case: "1.1.1 A brief history As
# early as ..." (read lazily, the heading's own "A" would be taken for the sentence's start).
_ARTICLE_HEADING = re.compile(
    rf"^{_NUMBERED}\s+(?:A|An|The)\s+(?:[a-z](?:{_HEADING_WORD})?\s+){{1,5}}?" + _SENTENCE_OPENS
)
# ... or an unnumbered heading in sentence case: "Findings As part of the evaluation, ..."; not
# one that opens as a sentence does, ends in a small word ("Meetings in The Hague were ...") or
# holds a verb a heading does without ("Victims are often The ones ...").
_PLAIN_HEADING = re.compile(
    rf"^(?!(?:{_OPENERS})\b)[A-Z][a-z]+(?:-[a-z]+)?(?:\s+[a-z]+(?:-[a-z]+)?){{0,5}}?\s+"
    + _SENTENCE_OPENS
)
# The small words of a title or a heading, left lower-case in one.
SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "at",
        "by",
        "de",
        "der",
        "for",
        "from",
        "in",
        "its",
        "of",
        "on",
        "or",
        "the",
        "their",
        "to",
        "van",
        "with",
    ]
)
_AUXILIARY = re.compile(
    r"\b(?:is|are|was|were|be|been|has|have|had|will|would|can|could|may|must)\b"
)

# A running header in capitals and the page's number, run into the page's first sentence:
# "INVESTIGATION 125 Financial investigations ..."; seven capitals at least, so that an
# acronym and a count ("ECOWAS 15 Member States") stay.
_CAPS_HEADER = re.compile(
    r"^(?=(?:[A-Z’'&:,-]\s?){7,})[A-Z][A-Z’'&:,-]+(?:\s+[A-Z][A-Z’'&:,-]*)*\s+\d{1,3}\s+"
    r"(?=[A-Z]|\d{1,2}(?:\.\d{1,2})*\.?\s+[A-Z])"
)


def without_furniture(sentence: str) -> str:
    """The sentence without a running header in capitals and its page number, or a footnote's
    number, run into its start: a substring of the page, so still a quote."""
    start = 0
    for pattern in (_CAPS_HEADER, _NOTE_NUMBER):
        match = pattern.match(sentence[start:])
        if match and start + match.end() < len(sentence):
            start += match.end()
    return sentence[start:]


def without_heading(sentence: str) -> str:
    """The sentence without the page furniture and a heading run into its start (a substring,
    so a quote)."""
    return cut_heading(without_furniture(sentence))


def cut_heading(sentence: str) -> str:
    """The sentence without a heading run into its start (a substring, so a quote)."""
    match = next(
        (m for h in (_NESTED_HEADING, _ARTICLE_HEADING, _HEADING) if (m := h.match(sentence))), None
    )
    if match is None and (plain := _PLAIN_HEADING.match(sentence)):
        heading = plain.group().strip()
        last = heading.split()[-1]
        match = None if last in SMALL_WORDS or _AUXILIARY.search(heading) else plain
    return sentence[match.end() :] if match and match.end() < len(sentence) else sentence


def opens_with_furniture(sentence: str) -> bool:
    """Opens with a running header in capitals and its page number, or a footnote's number."""
    return without_furniture(sentence) != sentence


# Two pieces of one word that the PDF's text layer split ("re mained", "investiga - tion").
_SPLIT_WORD = re.compile(r"(?<![\w’'-])([A-Za-z]+)(?: | - )([a-z]+)(?![\w’'-])")


def _word(piece: str, words: frozenset[str]) -> bool:
    if len(piece) <= 2:  # the language's short words are not in the list; of letters, two
        return len(piece) == 2 or piece.lower() in ("a", "i")
    return piece.lower() in words


def _joined_words(text: str, words: frozenset[str]) -> str:
    """Two pieces as one word when together they are one and the second, or a first of two
    letters or more, is none: "peop le", not "of ten" or "c as". Each piece may pair with the
    one before it and the one after."""
    out, pos = [], 0
    while match := _SPLIT_WORD.search(text, pos):
        first, second = match.group(1), match.group(2)
        if (first + second).lower() in words and (
            not _word(second, words) or (len(first) >= 2 and not _word(first, words))
        ):
            out.append(text[pos : match.start()] + first + second)
            pos = match.end()
        else:
            out.append(text[pos : match.start() + len(first)])
            pos = match.start() + len(first)
    return "".join(out) + text[pos:]


def mend(text: str, words: frozenset[str] = frozenset()) -> str:
    """Text as a person should read it: no glued footnote numbers, no split figures, no line-end
    hyphens, no words split in two (with `words`, the words of the language), no printer's
    slugs, single spaces."""
    text = _SLUG.sub("", text)
    if words:
        text = _joined_words(text, words)
    text = _FOOTNOTE.sub("", text)
    text = _YEAR_FOOTNOTE.sub("", text)
    text = _WORD_FOOTNOTE.sub(r"\1", text)
    text = _BETWEEN_NOTE_NUMBER.sub(r"\1 ", text)  # after them: "years).73 70 It" has two
    text = _SPLIT_FIGURE.sub(
        lambda m: f"{m.group(1) or m.group(3)},{m.group(2) or m.group(4)}", text
    )
    text = _HYPHENATED.sub(r"\1\2", text)
    return re.sub(r"[ \t]{2,}", " ", text)
