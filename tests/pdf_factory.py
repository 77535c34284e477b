"""Generate small real PDFs for tests, so no test depends on a binary fixture checked into git.

Every helper writes to `path` (parents must exist) and returns it. Text goes through fpdf2's core
Helvetica font, so it must be latin-1; `text_pdf` is the building block for everything else:

    text_pdf(tmp_path / "a.pdf", ["Cover", "Page two says hello."],
             page_labels=[(0, "/r", 1), (1, "/D", 1)], title="A report")
"""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT_SIZE = 11
LINE_HEIGHT = 5
LABEL_STYLES = {"/D", "/r", "/R", "/a", "/A"}  # decimal, roman, ROMAN, letters, LETTERS


def text_pdf(
    path: Path,
    pages: list[str],
    *,
    page_labels: list[tuple[int, str, int]] | None = None,
    title: str | None = None,
) -> Path:
    """One A4 page per string, with a real text layer; "" makes a blank page.

    Args:
        pages: each string is wrapped into paragraphs on its own page ("\\n" starts a new line);
            a string too long for one page raises ValueError instead of spilling onto the next.
        page_labels: printed page numbers as (first page index, 0-based; style; start number),
            e.g. [(0, "/r", 1), (3, "/D", 1)] gives i, ii, iii, 1, 2...; style is one of
            /D /r /R /a /A as in the PDF spec. None writes no /PageLabels at all.
        title: stored as the document metadata title.
    """
    data = _render(pages, title)
    if page_labels:
        data = _with_labels(data, page_labels, len(pages))
    path.write_bytes(data)
    return path


def encrypted_pdf(
    path: Path, text: str = "This text is behind a password.", password: str = "secret"
) -> Path:
    """A one-page PDF encrypted with RC4-128; password="" gives the common 'open freely' kind."""
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(_render([text], None)))
    # RC4 needs no optional crypto library, and the owner password keeps the file encrypted
    # even when the user password is empty.
    writer.encrypt(user_password=password, owner_password="owner-" + password, algorithm="RC4-128")
    return _write(writer, path)


def corrupt_pdf(path: Path) -> Path:
    """Starts with %PDF- like a real file, but is truncated to 40% and followed by junk."""
    data = _render(["This document was cut off in transfer. " * 40] * 3, "Corrupt")
    path.write_bytes(data[: int(len(data) * 0.4)] + b"\x00\xffjunk )>> endobj garbage" * 8)
    return path


def image_only_pdf(path: Path, pages: int = 2) -> Path:
    """Pages carrying a picture and filled shapes but no text layer, like an unOCRed scan."""
    from PIL import Image  # fpdf2 depends on Pillow, so it is always there with fpdf2

    picture = Image.new("RGB", (60, 40), (180, 40, 40))
    pdf = _new_pdf()
    for _ in range(pages):
        pdf.add_page()
        pdf.image(picture, x=20, y=20, w=120)
        pdf.set_fill_color(30, 60, 150)
        pdf.rect(20, 120, 170, 60, style="F")
        pdf.rect(20, 200, 80, 40, style="D")
    path.write_bytes(bytes(pdf.output()))
    return path


def zero_byte_pdf(path: Path) -> Path:
    """An empty file with a .pdf name, as left by an interrupted download."""
    path.write_bytes(b"")
    return path


def html_as_pdf(path: Path) -> Path:
    """An HTML error page saved under a .pdf name, as servers return for a missing document."""
    path.write_text(
        "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n"
        "<body><h1>Not Found</h1><p>The requested document was not found.</p></body></html>\n",
        encoding="utf-8",
    )
    return path


def many_empty_pages_pdf(path: Path, pages: int = 2000) -> Path:
    """A long PDF of blank pages, to check that size alone never stalls parsing."""
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    return _write(writer, path)


def _new_pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(
        False, margin=10
    )  # one input string is one page, so page numbers are known
    pdf.set_font("Helvetica", size=FONT_SIZE)
    return pdf


def _render(pages: list[str], title: str | None) -> bytes:
    pdf = _new_pdf()
    if title is not None:
        pdf.set_title(title)
    for number, text in enumerate(pages, start=1):
        pdf.add_page()
        if text:
            pdf.multi_cell(0, LINE_HEIGHT, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if pdf.get_y() > pdf.h - pdf.b_margin:
            raise ValueError(f"text for page {number} does not fit on one page; shorten it")
    return bytes(pdf.output())


def _with_labels(data: bytes, labels: list[tuple[int, str, int]], page_count: int) -> bytes:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(data))
    ordered = sorted(labels)
    for position, (first, style, start) in enumerate(ordered):
        if style not in LABEL_STYLES:
            raise ValueError(f"label style {style!r} is not one of {sorted(LABEL_STYLES)}")
        last = ordered[position + 1][0] - 1 if position + 1 < len(ordered) else page_count - 1
        writer.set_page_label(first, last, style=style, start=start)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _write(writer: pypdf.PdfWriter, path: Path) -> Path:
    with path.open("wb") as handle:
        writer.write(handle)
    return path
