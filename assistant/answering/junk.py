"""Sentences that are page furniture, not statements: headings, contents lines, references and
footnotes, DOIs and citation notices, rows of bare figures, a page's own questions, text in another
language."""

from __future__ import annotations

import json
import re
from importlib import resources
from itertools import pairwise

from assistant.answering.mend import SMALL_WORDS, opens_with_furniture, without_heading
from vectorstore.records import RECORD_LABELS

_HEADING = re.compile(
    r"^(?:\d{1,2}(?:\.\d{1,2})+\.?|(?:chapter|section|annex|part)\s+\w+[.:]?)\s+[A-Z]", re.I
)
_CONTENTS = re.compile(r"(?:\.\s?){4,}|…{2,}|\s\.{3,}\s*\d+\s*$")
# Contents entries without dot leaders: "11.8.3 Organ removal 226 11.8.4 Interviews 227".
_CONTENTS_ENTRY = re.compile(r"\b\d{1,2}(?:\.\d{1,2}){1,3}\s+[A-Z][^.?!]{2,80}?\s\d{1,3}(?=\s|$)")
# Contents without numbered sections: four titles or more each followed by its page, the
# pages never falling ("Details 5 Age Confirmation 5 Background 5 Exploiter Details 6 ..."; a
# table's counts rise and fall), or one entry with the next section's number after its page
# ("How to explain the NRM form and process 12 6.").
_CONTENTS_PAGE = re.compile(r"(?<=[A-Za-z’'):])\s(\d{1,3})(?=\s+[A-Z‘“'\"(])")
CONTENTS_ENTRIES = 4
CONTENTS_SPAN = 80  # pages between the first entry and the last
_CONTENTS_TAIL = re.compile(r"[A-Za-z)]\s\d{1,3}\s\d{1,2}\.$")
# A chart's axis or a table's row opening the text: six bare figures in a row (further in, a
# table run into a sentence may follow the statement that reads it, which is kept).
_FIGURE_RUN = re.compile(r"^(?:\d[\d.,%]*\s+){5}\d[\d.,%]*(?!\S)")
# A statement of several figures reads as a sentence: it opens with a word and a fifth of its
# words are function words ("BLinN supported a total of 172 victims in 2005 and 223 in 2006.")
_OPENS_WITH_WORD = re.compile(r"^[A-Z][A-Za-z]*[a-z]")
STATEMENT_SHARE = 0.2
QUESTION_WORDS = 15  # a page's own question is short; a longer one may state something first
_DOI = re.compile(r"\bdoi\b|\b10\.\d{4,9}/\S+|please cite this|\bISBN\b|\bISSN\b|©", re.I)
_REFERENCE = re.compile(
    r"^[A-Z][\w'’-]+,\s+(?:[A-Z]\.\s?){1,3}(?:,|&|and|\()"  # "Smith, J. (2019)"
    r"|\bet al\.?,?\s*\(?\d{4}\)?[.,]"  # "Smith et al. (2019)."
    r"|\(\d{4}\)\.\s+[A-Z][^.]{5,}\.\s+(?:[A-Z][\w ]+,\s*)?\d+\s*\(\d+\)"  # "(2019). Title. J 12(3)"
    r"|\b(?:retrieved from|available at|accessed on)\b"
    r"|\bvol\.\s*\d+|\bpp\.\s*\d+",
    re.I,
)
# A footnote's text at the foot of a page: its number, then a source ("28 United Nations Office
# on Drugs and Crime, ..., Vienna, 2015", "27 Interviews with stakeholders from Djibouti.") or a
# document's title ("351 Mid Term Review of ... in the Horn of Africa.").
_NOTE = re.compile(r"^\d{1,3}\s+(?=[A-Z]|https?://|www\.)")
_SOURCE = re.compile(
    r"\(\d{4}[a-z]?\)|,\s(?:19|20)\d\d[a-z]?(?:[,.;):]|$)|\bp\.\s?\d|https?://|www\."
    r"|\b(?:interviews?|FGDs?|KIIs?|focus groups?)\b.{0,40}\b(?:with|from|in)\b",
    re.I,
)
# A short line citing a page: "... Research Report, p. 51-52." (a longer sentence with a page
# reference at its end had a footnote run into it, and may hold the fact)
_PAGE_CITED = re.compile(r"\bpp?\.\s?\d+(?:\s?[-–]\s?\d+)?\)?\.?$")
PAGE_CITED_WORDS = 25
# A chart's caption or a source note: "Fig. 67 Projection on population under 30, by region
# Source: UN Population data 2021.", "LEVEL OF SATISFACTION ... Source: Monitoring Survey", a
# bare "Source: ..."; a statement before a chart's source note keeps it.
_SOURCE_NOTE = re.compile(r"\bSource:\s(?:\S+\s){0,14}\S+$")
_CAPTION = re.compile(r"^(?:\S+\s+){0,6}?(?:Fig\.|Figure|FIGURE)\s?\d")  # a table's data stay
CAPTION_WORDS = 4  # a footnote's number or "See also Chapter 3 (" before the note
CAPITALS = 0.7  # a chart's title in capitals
# A title or a citation on a line of its own: every word capitalised but the small ones ("Eight
# Report of the Dutch National Rapporteur.", "Den Bosch District Court 19 February 2010, LJN:
# BL5400.", "Vienna: UNODC."); a record's field and its values ("Region: South-Eastern Europe.")
# are a statement.
TITLE_WORDS = 12
# A colophon's or a team's list of people: names with initials ("C.E. Dettmeijer-Vermeulen M.
# Boot-Matthijssen E.M.H. van Dijk"), three or more, in what does not read as a sentence.
_INITIALLED_NAME = re.compile(
    r"\b(?:[A-Z]\.\s?){1,4}(?:(?:van|von|de|der|den|du|la|le|ten|ter)\s+)*[A-Z][A-Za-zÀ-ÿ’'-]+"
)
NAMES = 3
_TITLE_WORD = re.compile(r"[A-Za-zÀ-ÿ’'-]+")
_LABELLED = re.compile("^(?:" + "|".join(map(re.escape, RECORD_LABELS)) + ")")
# A short bibliography line: "ICMPD (2015) Targeting Vulnerabilities." (a title after the year)
_SHORT_REFERENCE = re.compile(r"^(?:\S+\s+){0,4}[A-Z][\w&.-]*\s+\(\d{4}[a-z]?\)[.,:]?\s+[A-Z‘'“\"]")
REFERENCE_WORDS = 12
# A link into a site (a path after the host; PDF extraction may break it at its slashes and
# after "www.") with few words or a title beside it is a reference to a document; a bare site
# ("See www.x.nl.") is an answer.
_LINK = re.compile(r"(?:https?://|www\.)\s?[^\s/]+/\s?\S")
_LINK_TOKEN = re.compile(r"^(?:https?:|www\.|\S*/|\S*\.pdf\b|pdf\b)", re.I)
LINK_WORDS = 6
_NUMBER = re.compile(r"\d[\d.,%]*")
_ALPHA_WORD = re.compile(r"[A-Za-z]{3,}")
# Function words that tell the language of a sentence; English is the reports' and the users'.
_WORDS = json.loads(
    resources.files("assistant.answering").joinpath("function_words.json").read_text("utf-8")
)
_ENGLISH, _OTHER = frozenset(_WORDS["english"]), frozenset(_WORDS["other"])


HEADING_WORDS = 6  # a heading alone is a few words; more is a sentence it was run into


def junk_kind(sentence: str, title: str = "") -> str | None:
    """The kind of junk the sentence is, or None for a statement worth reading."""
    text = sentence.strip()
    words = re.findall(r"[A-Za-zÀ-ÿ]+", text)
    if _DOI.search(text):
        return "doi or citation notice"
    if (
        _CONTENTS.search(text)
        or len(_CONTENTS_ENTRY.findall(text)) >= 2
        or _CONTENTS_TAIL.search(text)
        or _pages_in_order(text)
    ):
        return "contents line"
    if text.endswith("?") and len(words) <= QUESTION_WORDS:
        return "question"  # a page's heading or interview question states nothing
    if _REFERENCE.search(text) or (
        len(text.split()) <= REFERENCE_WORDS and _SHORT_REFERENCE.search(text)
    ):
        return "reference"
    if (link := _LINK.search(text)) and _beside_links(text, link) <= LINK_WORDS:
        return "reference"
    note = _NOTE.match(text)
    if (note and (_SOURCE.search(text) or _title_cased(text[note.end() :]))) or (
        len(text.split()) <= PAGE_CITED_WORDS and _PAGE_CITED.search(text)
    ):
        return "footnote"
    if _is_caption(text):
        return "caption"
    if _is_title(text):
        return "title line"
    if len(_INITIALLED_NAME.findall(text)) >= NAMES and not _reads_as_a_sentence(text):
        return "list of names"
    if opens_with_furniture(text):
        return "page or footnote number"
    if _HEADING.match(text) and without_heading(text) == text and len(words) <= HEADING_WORDS:
        return "heading"  # longer, it is a heading run into a sentence: kept, the fact is there
    numbers = _NUMBER.findall(text)
    if _FIGURE_RUN.match(text):
        return "row of figures"
    if (
        len(numbers) >= 3
        and len(_ALPHA_WORD.findall(text)) < 1.5 * len(numbers)
        and not _reads_as_a_sentence(text)
    ):
        return "row of figures"
    lowered = [w.lower() for w in words]
    other = sum(w in _OTHER for w in lowered)
    if other >= 2 and other > sum(w in _ENGLISH for w in lowered):
        return "another language"
    if title and len(title) > 12 and text.lower().startswith(title.lower()):
        return "running header"
    return None


def _is_title(text: str) -> bool:
    return len(text.split()) <= TITLE_WORDS and not _LABELLED.match(text) and _title_cased(text)


def _title_cased(text: str) -> bool:
    """Every word capitalised but the small ones: a title, a name or a list of them (after a
    footnote's number, a document cited, however long its title)."""
    content = [w for w in _TITLE_WORD.findall(text) if w.lower() not in SMALL_WORDS]
    return len(content) >= 2 and all(w[0].isupper() for w in content)


def _is_caption(text: str) -> bool:
    note = _SOURCE_NOTE.search(text)
    if not note:
        return False
    head = text[: note.start()].strip()
    letters = [c for c in head if c.isalpha()]
    return (
        len(head.split()) <= CAPTION_WORDS
        or bool(_CAPTION.match(head))
        or sum(c.isupper() for c in letters) >= CAPITALS * len(letters)
    )


def _pages_in_order(text: str) -> bool:
    pages = [int(p) for p in _CONTENTS_PAGE.findall(text)]
    return (
        len(pages) >= CONTENTS_ENTRIES
        and all(b >= a for a, b in pairwise(pages))
        and pages[-1] - pages[0] <= CONTENTS_SPAN
    )


def _reads_as_a_sentence(text: str) -> bool:
    tokens = [t.strip(".,;:()").lower() for t in text.split()]
    function = sum(t in _ENGLISH for t in tokens)
    return bool(_OPENS_WITH_WORD.match(text)) and function >= STATEMENT_SHARE * len(tokens)


def _beside_links(text: str, link: re.Match[str]) -> float:
    """The words outside the links; a figure there (a phone number) makes it a statement, a
    title ended before the link (a document cited: "Title. www...") a reference however long;
    "Read the Guidance at www..." points the way."""
    rest = [t for t in text.split() if not _LINK_TOKEN.match(t)]
    if any(re.search(r"\d{3}", t) for t in rest):
        return float("inf")
    if text[: link.start()].rstrip().endswith((".", ":", ";")) and _title_cased(" ".join(rest)):
        return 0.0
    return sum(1 for t in rest if _ALPHA_WORD.search(t))


def is_junk(sentence: str, title: str = "") -> bool:
    return junk_kind(sentence, title) is not None
