"""PDF file -> cleaned text per physical page; a damaged file raises one `UnreadablePdf` reason."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pypdf
from pypdf.errors import DependencyError, LimitReachedError

from ingest.errors import CorruptPdf, EmptyPdf, EncryptedPdf, NotAPdf, UnreadablePdf
from ingest.metadata import (
    FIRST_PAGES,
    Stated,
    created_year,
    dated_year,
    stated_year,
    text_title,
    usable_title,
)
from vectorstore.records import Page

# Real-world files trigger a warning per broken xref entry; read_pdf reports what matters itself.
logging.getLogger("pypdf").setLevel(logging.ERROR)

MIN_TEXT_CHARS = 20  # fewer non-space characters than this: an image-only or blank page
SNIFF_BYTES = 1024  # PDF readers accept the %PDF- signature anywhere in the first KiB
# The longest publication in the corpus has 280 pages; a 1 MB file can declare 10,000 blank ones,
# and every page with text costs chunks to embed.
MAX_PAGES = 10_000
# pypdf stops each stream at 75 MB decompressed, but a page that trips such a limit still costs
# that much work, and one small "bomb" stream can be shared by thousands of pages.
MAX_LIMITED_PAGES = 3

_HYPHEN_BREAK = re.compile(r"(?<=\w)([-\u2010\u00ad])[ \t]*(?:\r\n|\r|\n)\s*(?=(\w))")
# Non-whitespace C0/C1 controls, lone surrogates and zero-width marks; whitespace controls
# (tab, form feed, NEL...) are left for the whitespace rule so they become a space.
# Bidi embeddings, overrides and isolates go too: they can make a title or quote display
# reversed (the "Trojan Source" trick) and carry no text.
_CONTROL = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff\u200b\u2060\ufeff"
    "\u202a-\u202e\u2066-\u2069]"
)
_SPACE = re.compile(r"\s+")
_FILE_NAME_TITLE = re.compile(r"\.(docx?|rtf|odt|pdf|indd|qxd|p65|pptx?|xlsx?|txt)$", re.I)
_APP_TITLE_PREFIX = re.compile(r"^microsoft (word|powerpoint|excel) - ", re.I)
_PLACEHOLDER_TITLES = {"untitled", "untitled document", "title", "document", "none", "unknown"}


@dataclass(frozen=True)
class ParsedPdf:
    """Every physical page of one PDF, in order, plus what ingestion needs to warn about."""

    pages: list[Page]
    empty_pages: list[int]  # page numbers without a usable text layer (scans, figures, blanks)
    title: str | None  # from the metadata when it looks like a real title, else the cover's
    stated_year: Stated | None = None  # a year the first pages state (copyright, citation)
    created_year: Stated | None = None  # the metadata's creation date
    dated_year: Stated | None = None  # the latest month-and-year on the first pages

    def year(self, from_name: int | None = None) -> Stated | None:
        """The best evidence of the year: stated > the file name's > created > dated."""
        if self.stated_year is not None:
            return self.stated_year
        if from_name is not None:
            return Stated(from_name, "the file name")
        return self.created_year or self.dated_year

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def has_text(self) -> bool:
        """False when no page has a usable text layer, i.e. the PDF needs OCR first."""
        return len(self.empty_pages) < len(self.pages)


def read_pdf(
    path: Path, source: str | None = None, on_page: Callable[[int, int], None] | None = None
) -> ParsedPdf:
    """Parse `path` page by page; `source` names the document in errors (default: the path);
    `on_page(done, total)` hears of each page read, for a progress display."""
    name = source or str(path)
    _check_signature(path, name)
    reader = _open(path, name)
    try:
        page_count = len(reader.pages)
    except Exception as exc:  # a broken page tree only shows when it is walked
        raise CorruptPdf(name, f"the page tree cannot be read ({_describe(exc)})") from exc
    if page_count == 0:
        raise EmptyPdf(name, "the PDF has no pages")
    if page_count > MAX_PAGES:
        raise UnreadablePdf(
            name,
            f"the PDF has {page_count:,} pages, more than the {MAX_PAGES:,} a publication can "
            "have here; split it into parts and add those",
        )

    labels = _labels(reader, page_count)
    pages: list[Page] = []
    empty: list[int] = []
    seen: set[tuple[int, int]] = set()
    limited = 0
    for index in range(page_count):
        number = index + 1
        try:
            text = _page_text(reader, index, seen)
        except LimitReachedError as exc:
            limited += 1
            if limited >= MAX_LIMITED_PAGES:
                raise CorruptPdf(
                    name,
                    f"{limited} pages exceed pypdf's safety limits ({_describe(exc)}); the file "
                    "looks built to exhaust memory (a decompression bomb or endless nesting)",
                ) from exc
            text = ""
        if len(text) - text.count(" ") < MIN_TEXT_CHARS:
            empty.append(number)
        pages.append(Page(number=number, label=labels[index], text=text))
        if on_page is not None:
            on_page(number, page_count)
    texts = [p.text for p in pages[:FIRST_PAGES]]
    return ParsedPdf(
        pages=pages,
        empty_pages=empty,
        title=_title(reader) or _guarded(text_title, reader, clean_text),
        stated_year=stated_year(texts),
        created_year=created_year(reader),
        dated_year=dated_year(texts),
    )


def _guarded(read, *args):
    """A title is a nicety: a file whose cover cannot be read again still goes in."""
    try:
        return read(*args)
    except Exception:
        return None


def clean_text(raw: str) -> str:
    """Normalise extracted text so quotes can be matched exactly; idempotent by construction."""
    text = _CONTROL.sub("", raw)
    text = _HYPHEN_BREAK.sub(_join_hyphen, text)
    # Soft hyphens left mid-line are invisible break hints, not characters of the word.
    text = text.replace("\u00ad", "")
    # NFKC turns ligatures (ﬁ) and compatibility spaces into plain characters; it runs after the
    # removals so that nothing it composes can be split again by a later step.
    text = unicodedata.normalize("NFKC", text)
    return _SPACE.sub(" ", text).strip()


def _join_hyphen(match: re.Match[str]) -> str:
    """`traf-\\nficking` -> `trafficking`; `anti-\\nTrafficking` keeps its hyphen."""
    if match.group(1) == "\u00ad" or match.group(2).islower():
        return ""
    return match.group(1)


def _check_signature(path: Path, name: str) -> None:
    """Reject what is not a PDF before pypdf guesses at it, saying what it looks like instead."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head:
        raise EmptyPdf(name, "the file is empty (0 bytes)")
    if b"%PDF-" not in head:
        raise NotAPdf(
            name, f"no %PDF- signature, so this is not a PDF; it looks like {_looks_like(head)}"
        )


def _looks_like(head: bytes) -> str:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")) or b"<html" in head.lower():
        return "an HTML page, often an error or login page saved under a .pdf name"
    signatures = {
        b"\x89png\r\n\x1a\n": "a PNG image",
        b"\xff\xd8\xff": "a JPEG image",
        b"gif8": "a GIF image",
        b"pk\x03\x04": "a ZIP archive or an Office document (.docx, .xlsx, .pptx)",
        b"\xd0\xcf\x11\xe0": "an old Office document (.doc, .xls, .ppt)",
        b"<?xml": "an XML file",
    }
    for magic, kind in signatures.items():
        if start.startswith(magic):
            return kind
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return "unknown binary data"
    if all(ch.isprintable() or ch.isspace() for ch in text):
        return "a plain text file"
    return "unknown binary data"


def _open(path: Path, name: str) -> pypdf.PdfReader:
    """Open with pypdf, decrypting with the empty password that many 'protected' PDFs use."""
    try:
        reader = pypdf.PdfReader(path, strict=False)
        encrypted = reader.is_encrypted
    except Exception as exc:  # pypdf raises many types on garbage: PdfReadError, KeyError...
        raise CorruptPdf(name, f"the PDF structure cannot be parsed ({_describe(exc)})") from exc
    if not encrypted:
        return reader
    try:
        result = reader.decrypt("")
    except DependencyError as exc:
        raise EncryptedPdf(
            name, "the PDF uses AES encryption; install the 'cryptography' package to read it"
        ) from exc
    except Exception as exc:
        raise CorruptPdf(name, f"the encryption dictionary is broken ({_describe(exc)})") from exc
    if result == pypdf.PasswordType.NOT_DECRYPTED:
        raise EncryptedPdf(
            name, "the PDF is password-protected; save an unprotected copy and add that instead"
        )
    return reader


def _labels(reader: pypdf.PdfReader, page_count: int) -> list[str | None]:
    """Printed labels only where the PDF defines them; pypdf would otherwise invent '1', '2'..."""
    try:
        if "/PageLabels" not in reader.root_object:
            return [None] * page_count
        labels: list[str | None] = list(reader.page_labels)
    except Exception:  # a broken label tree costs the labels, not the document
        return [None] * page_count
    if len(labels) != page_count:
        return [None] * page_count
    return labels


def _page_text(reader: pypdf.PdfReader, index: int, seen: set[tuple[int, int]]) -> str:
    """One page's cleaned text; a page pypdf cannot extract counts as empty, not as fatal.

    A page object listed again in the page tree (`seen`) is not read again: a viewer shows it
    twice, but its text is indexed once, so a tree repeating one page 9,999 times costs nothing.
    Raises LimitReachedError when the page trips one of pypdf's resource limits.
    """
    try:
        page = reader.pages[index]
        ref = page.indirect_reference
        if ref is not None:
            key = (ref.idnum, ref.generation)
            if key in seen:
                return ""
            seen.add(key)
        return clean_text(page.extract_text())
    except LimitReachedError:
        raise
    except Exception:  # includes RecursionError from self-referencing content or fonts
        return ""


def _title(reader: pypdf.PdfReader) -> str | None:
    """The metadata title unless it is a placeholder or the authoring tool's file name."""
    try:
        metadata = reader.metadata
        raw = metadata.title if metadata else None
    except Exception:
        return None
    if not isinstance(raw, str):
        return None
    title = clean_text(raw)
    if (
        not usable_title(title)
        or title.lower() in _PLACEHOLDER_TITLES
        or _APP_TITLE_PREFIX.match(title)
        or _FILE_NAME_TITLE.search(title)
    ):
        return None
    return title


def _describe(exc: BaseException) -> str:
    detail = str(exc).strip()
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
