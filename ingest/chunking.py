"""Pages -> chunks that never straddle a page and know their offsets on it.

An answer quotes a chunk's sentences and a check looks the quote up on the cited page, so
`page.text[start:end] == text` must hold for every chunk: asserted here, not hoped for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from vectorstore.records import Page

# Paragraphs, then sentences, then words: a chunk should end where a reader would pause.
SEPARATORS = ["\n\n", "\n", ". ", "; ", ", ", " ", ""]


@dataclass(frozen=True)
class Span:
    page: Page
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.page.text[self.start : self.end]


def make_splitter(size: int, overlap: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=size,
        chunk_overlap=overlap,
        separators=SEPARATORS,
        keep_separator="end",
        add_start_index=True,
        strip_whitespace=True,
    )


def chunk_pages(pages: Sequence[Page], size: int, overlap: int) -> list[Span]:
    splitter = make_splitter(size, overlap)
    spans: list[Span] = []
    for page in pages:
        if not page.text.strip():
            continue
        for doc in splitter.create_documents([page.text]):
            start = int(doc.metadata["start_index"])
            if start < 0 or page.text[start : start + len(doc.page_content)] != doc.page_content:
                start = page.text.find(doc.page_content)
            if start < 0:  # cannot happen with strip-only splitting; refuse rather than misquote
                raise AssertionError(f"chunk not found on page {page.number}")
            spans.append(Span(page, start, start + len(doc.page_content)))
    return spans
