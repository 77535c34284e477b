"""What the user points at (file, folder, URL, the catalogue) -> Source records to ingest."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from ingest import catalogue
from ingest.errors import IngestError
from ingest.pdf import clean_text

YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")
# Ids name files under the data dir (library/<id>.<version>.pdf), so only slugs are allowed.
DOC_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_ID = 120


@dataclass(frozen=True)
class Source:
    """One publication to ingest; exactly one of `path` and `url` says where the bytes are."""

    doc_id: str
    origin: str  # as the user gave it, for reports
    title: str | None = None
    year: int | None = None  # given (by the user or the catalogue): wins over the PDF's
    doc_type: str = "publication"
    region: str | None = None
    path: Path | None = None
    url: str | None = None
    name_year: int | None = None  # a year in the file name: used only if the PDF states none
    name_title: str | None = None  # the file name as a title: used only if the PDF has none


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:80].strip("-") or "document"


def checked_id(doc_id: str) -> str:
    """`doc_id` if it is a slug; anything else could name a file outside the library."""
    if len(doc_id) > MAX_ID or not DOC_ID.fullmatch(doc_id):
        raise IngestError(
            doc_id[:MAX_ID],
            "not a usable document id: use lower-case letters, digits and single hyphens "
            f"(at most {MAX_ID} characters), e.g. {slugify(doc_id)!r}",
        )
    return doc_id


def title_from_name(name: str) -> str:
    """A readable title; control and bidi characters of a hostile file name are dropped."""
    stem = clean_text(unquote(Path(name).stem).replace("_", " ")).strip(" .")
    if not any(ch.isalnum() for ch in stem):
        return "Untitled document"
    return stem[:1].upper() + stem[1:]


def year_from_name(name: str) -> int | None:
    """A year in a file name is a fair guess only when it is the only one there."""
    years = set(YEAR.findall(name))
    return int(years.pop()) if len(years) == 1 else None


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def from_path(
    path: Path,
    *,
    title: str | None = None,
    year: int | None = None,
    doc_type: str | None = None,
    doc_id: str | None = None,
) -> Source:
    path = path.expanduser().resolve()
    return Source(
        doc_id=checked_id(doc_id) if doc_id else slugify(path.stem),
        origin=str(path),
        title=title,
        year=year,
        doc_type=doc_type or "publication",
        path=path,
        name_year=year_from_name(path.name),
        name_title=title_from_name(path.name),
    )


def from_url(
    url: str,
    *,
    title: str | None = None,
    year: int | None = None,
    doc_type: str | None = None,
    doc_id: str | None = None,
) -> Source:
    name = unquote(unquote(Path(urlparse(url).path).name)) or "download"
    return Source(
        doc_id=checked_id(doc_id) if doc_id else slugify(Path(name).stem),
        origin=url,
        title=title,
        year=year,
        doc_type=doc_type or "publication",
        url=url,
        name_year=year_from_name(name),
        name_title=title_from_name(name),
    )


def from_folder(folder: Path) -> list[Source]:
    """Every PDF below the folder; ids from file names, made unique if two names slug alike."""
    folder = folder.expanduser().resolve()
    sources: list[Source] = []
    seen: set[str] = set()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf"):
        source = from_path(path)
        doc_id = source.doc_id
        if doc_id in seen:
            doc_id = f"{doc_id}-{hashlib.sha1(str(path).encode()).hexdigest()[:6]}"
        seen.add(doc_id)
        sources.append(Source(**{**source.__dict__, "doc_id": doc_id}))
    return sources


def from_catalogue() -> list[Source]:
    return [
        Source(
            doc_id=pub.id,
            origin=pub.url,
            title=pub.title,
            year=pub.year,
            doc_type=pub.type,
            region=pub.region,
            url=pub.url,
        )
        for pub in catalogue.publications()
    ]


def is_url(text: str) -> bool:
    return urlparse(text).scheme in {"http", "https"}
