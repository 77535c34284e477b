"""Extraction artefacts mended for display; the quote under each source stays verbatim."""

from __future__ import annotations

import re

# A footnote number glued after closing punctuation: "'attractive'.”84 The" -> "'attractive'.”"
_FOOTNOTE = re.compile(r"(?:(?<=[a-z)\]”\"’][.,;:])|(?<=[”\"’)]))\d{1,3}(?=\s|$)")
# ... or after a year's full stop: "to 75% in 2010.46 In contrast" -> "in 2010. In contrast"
_YEAR_FOOTNOTE = re.compile(r"(?<=\b(?:19|20)\d\d\.)\d{1,3}(?=\s+[A-Z]|$)")
# ... or after a word: "victims12 were" (not codes such as "B9" or "COVID19": 4+ lower letters)
_WORD_FOOTNOTE = re.compile(r"\b([a-z]{4,})\d{1,3}(?=[\s,.;:]|$)")
_SPLIT_FIGURE = re.compile(r"(\d{1,3})\s*,\s+(\d{3})(?!\d)|(\d{1,3})\s+,\s*(\d{3})(?!\d)")
# A word broken at a line end: "traf- ficking"; not "short- and long-term".
_HYPHENATED = re.compile(r"\b([A-Za-z]{2,})-\s+(?!(?:and|or|to|nor)\b)([a-z]{2,})\b")


# A numbered heading run into the sentence after it: "2.2 Incidents, investigation and
# prosecution Although the law..." or "6 Conclusions The study..." is read from the word that
# opens a sentence.
_HEADING = re.compile(
    r"^(?:(?:\d{1,2}(?:\.\d{1,2})+\.?|(?i:chapter|section|annex|part|module)\s+\w+[.:]?)\s+"
    r"(?:[\w,'’()-]+\s+){0,10}?"
    # a bare number needs a heading's words after it: "18 The Convention" is a footnote's
    r"|\d{1,2}\.?\s+(?=[A-Z])(?:[\w,'’()-]+\s+){1,10}?)"
    r"(?=(?:The|In|A|An|This|These|Although|As|At|For|On|By|Since|During|While|When|Of|To|It"
    r"|Its|There|Most|Many|Some|All|According|Between|Under|After|Before|Victims|Trafficking)\s)"
)


def without_heading(sentence: str) -> str:
    """The sentence without a numbered heading run into its start (a substring, so a quote)."""
    match = _HEADING.match(sentence)
    return sentence[match.end() :] if match and match.end() < len(sentence) else sentence


def mend(text: str) -> str:
    """Text as a person should read it: no glued footnote numbers, no split figures, no line-end
    hyphens, single spaces."""
    text = _FOOTNOTE.sub("", text)
    text = _YEAR_FOOTNOTE.sub("", text)
    text = _WORD_FOOTNOTE.sub(r"\1", text)
    text = _SPLIT_FIGURE.sub(
        lambda m: f"{m.group(1) or m.group(3)},{m.group(2) or m.group(4)}", text
    )
    text = _HYPHENATED.sub(r"\1\2", text)
    return re.sub(r"[ \t]{2,}", " ", text)
