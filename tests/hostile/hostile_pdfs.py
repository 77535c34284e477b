"""Hand-built hostile PDFs: each one attacks the parser in one way, and is small on disk.

fpdf2 and pypdf's writer refuse to produce most of these, so the bytes are laid out here with a
correct cross-reference table. Every builder writes `path` (parents must exist) and returns it.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

TEXT = "The shelter in Balti offered forty beds to rescued victims of trafficking."
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
MB = 1 << 20


def raw_pdf(objects: list[bytes], size: int | None = None, trailer: bytes = b"") -> bytes:
    """Objects 1..n in order, an xref table pointing at each, and a trailer rooted at 1 0 R."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\n" % (size or len(objects) + 1, trailer)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def content(text: str = TEXT) -> bytes:
    return b"BT /F1 11 Tf 72 760 Td (%s) Tj ET" % text.encode("latin-1")


def stream(data: bytes, extra: bytes = b"", length: bytes | None = None) -> bytes:
    declared = length if length is not None else b"%d" % len(data)
    return b"<< /Length %s %s>>\nstream\n%s\nendstream" % (declared, extra, data)


def page(parent: int = 2, contents: int = 4, extra: bytes = b"") -> bytes:
    return (
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents %d 0 R %s>>" % (parent, contents, extra)
    )


def one_page(
    content_object: bytes | None = None,
    page_extra: bytes = b"",
    catalog: bytes = CATALOG,
    size: int | None = None,
) -> bytes:
    """Catalog 1, Pages 2, Page 3, contents 4, font 5: the frame most attacks fill in."""
    return raw_pdf(
        [
            catalog,
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            page(extra=page_extra),
            content_object or stream(content()),
            FONT,
        ],
        size,
    )


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def good(path: Path, text: str = TEXT) -> Path:
    """A valid one-page PDF: proves the frame itself is fine."""
    return _write(path, one_page(stream(content(text))))


def nested_arrays(path: Path, depth: int = 20_000) -> Path:
    """A page dictionary holding `[[[[...]]]]` nested `depth` levels deep."""
    return _write(path, one_page(page_extra=b"/Deep " + b"[" * depth + b"]" * depth + b" "))


def nested_dictionaries(path: Path, depth: int = 20_000) -> Path:
    """The catalog holding `<< /A << /A ... >> >>` nested `depth` levels deep."""
    deep = b"<< /A " * depth + b">>" * depth
    return _write(path, one_page(catalog=b"<< /Type /Catalog /Pages 2 0 R /Deep %s >>" % deep))


def nested_content(path: Path, depth: int = 20_000) -> Path:
    """A content stream that opens `depth` arrays before its text operator."""
    data = b"[" * depth + b"]" * depth + b" " + content()
    return _write(path, one_page(stream(data)))


def kids_self(path: Path) -> Path:
    """A /Pages node whose /Kids lists the node itself."""
    objects = [CATALOG, b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>", page(), stream(content())]
    return _write(path, raw_pdf([*objects, FONT]))


def kids_cycle(path: Path) -> Path:
    """Two /Pages nodes listing each other: a cycle through the tree."""
    return _write(
        path,
        raw_pdf(
            [
                CATALOG,
                b"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>",
                page(),
                stream(content()),
                FONT,
                b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>",
            ]
        ),
    )


def deep_page_tree(path: Path, depth: int = 5000) -> Path:
    """`depth` /Pages nodes each holding the next, the last holding one page."""
    objects = [CATALOG]
    for level in range(depth):
        number = 2 + level
        parent = b"/Parent %d 0 R " % (number - 1) if level else b""
        objects.append(b"<< /Type /Pages %s/Kids [%d 0 R] /Count 1 >>" % (parent, number + 1))
    leaf = depth + 2
    objects.append(
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 "
        b"%d 0 R >> >> /Contents %d 0 R >>" % (leaf - 1, leaf + 2, leaf + 1)
    )
    objects += [stream(content()), FONT]
    return _write(path, raw_pdf(objects))


def repeated_page(path: Path, times: int) -> Path:
    """One page object listed `times` times in /Kids: a tree that is not a tree."""
    kids = b"3 0 R " * times
    pages = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, times)
    return _write(path, raw_pdf([CATALOG, pages, page(), stream(content()), FONT]))


def blank_pages(path: Path, count: int) -> Path:
    """`count` distinct pages without content, built directly (pypdf's writer is slow at this)."""
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(count))
    pages = [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * count
    tree = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count)
    return _write(path, raw_pdf([CATALOG, tree, *pages]))


def lying_count(path: Path) -> Path:
    """/Count claims two billion pages; /Kids holds one."""
    tree = b"<< /Type /Pages /Kids [3 0 R] /Count 2000000000 >>"
    return _write(path, raw_pdf([CATALOG, tree, page(), stream(content()), FONT]))


def huge_length(path: Path) -> Path:
    """A content stream declaring /Length 8 GB; the file is a few hundred bytes."""
    return _write(path, one_page(stream(content(), length=b"8000000000")))


def self_length(path: Path) -> Path:
    """A stream whose /Length is a reference to the stream itself."""
    return _write(path, one_page(stream(content(), length=b"4 0 R")))


def junk_content(path: Path, megabytes: int = 50) -> Path:
    """A page whose content stream is `megabytes` MB of random bytes."""
    return _write(path, one_page(stream(os.urandom(megabytes * MB))))


def huge_xref(path: Path) -> Path:
    """An xref subsection claiming two billion entries."""
    data = one_page()
    start = data.rindex(b"xref\n0 6\n")
    return _write(path, data[:start] + b"xref\n0 2000000000\n" + data[start + 9 :])


def huge_size(path: Path) -> Path:
    """A trailer /Size of two billion objects."""
    return _write(path, one_page(size=2_000_000_000))


def bomb_stream(megabytes: int) -> bytes:
    """A FlateDecode content stream: the real text, then `megabytes` MB of spaces (~1 KB per MB)."""
    packer = zlib.compressobj(9)
    packed = packer.compress(content() + b"\n")
    block = b" " * MB
    for _ in range(megabytes):
        packed += packer.compress(block)
    return stream(packed + packer.flush(), extra=b"/Filter /FlateDecode ")


def bomb(path: Path, megabytes: int = 1024) -> Path:
    """One page whose content stream inflates to `megabytes` MB."""
    return _write(path, one_page(bomb_stream(megabytes)))


def shared_bomb(path: Path, pages: int = 300, megabytes: int = 200) -> Path:
    """`pages` pages all drawing the same bomb stream: each page alone re-inflates it."""
    kids = b" ".join(b"%d 0 R" % (6 + i) for i in range(pages))
    tree = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages)
    objects = [CATALOG, tree, b"null", bomb_stream(megabytes), FONT]
    return _write(path, raw_pdf(objects + [page(contents=4)] * pages))
