"""Skip unchanged, replace changed, drop withdrawn; one report line per document.

A document's bytes are hashed first, so an unchanged one costs a hash and a lookup: no parse,
no model load. Parsing the next PDF and writing the previous one run in threads while the
current one is embedded (the model releases the GIL), which keeps the pipeline close to raw
encoding speed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np

from ingest import catalogue
from ingest.chunking import chunk_pages
from ingest.download import Downloader, DownloadPolicy, remove_stale_temp_files, temp_file
from ingest.errors import IngestError
from ingest.pdf import ParsedPdf, read_pdf
from ingest.settings import IngestSettings
from ingest.sources import Source, checked_id, file_hash, from_folder, title_from_name
from vectorstore.records import (
    MILESTONE,
    PUBLICATION,
    RELATED_LABEL,
    Chunk,
    DocumentInfo,
    Kind,
    Page,
)
from vectorstore.store import Store

MILESTONES_ID = "milestones"
CATALOGUE_ID = "catalogue"
ENCODE_STEP = 64  # chunks per progress update while embedding (the model batches 32 anyway)


@dataclass
class DocReport:
    doc_id: str
    title: str
    status: str  # added | replaced | unchanged | failed | removed
    pages: int = 0
    chunks: int = 0
    empty_pages: int = 0
    error: str | None = None
    seconds: float = 0.0
    url: str | None = None  # where a downloaded document came from, named when it fails
    path: str | None = None  # the file it was read from, named when it fails

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def where(self) -> str:
        """The URL or file a failure is about: in a folder, ids repeat across sub-folders."""
        if self.url:
            return f"URL {self.url}"
        return f"file {self.path}" if self.path else ""

    def line(self) -> str:
        if self.failed:
            where = f" ({self.where})" if self.where else ""
            return f"FAILED   {self.doc_id}: {self.error}{where}"
        extra = f", {_count(self.empty_pages, 'page')} without text" if self.empty_pages else ""
        detail = (
            f" ({_count(self.pages, 'page')}, {_count(self.chunks, 'chunk')}{extra})"
            if self.pages
            else ""
        )
        note = f" - {self.error}" if self.error else ""
        return f"{self.status:<8} {self.doc_id}{detail}{note}"


@dataclass
class RunReport:
    documents: list[DocReport] = field(default_factory=list)
    removed_orphans: int = 0
    seconds: float = 0.0

    @property
    def failures(self) -> list[DocReport]:
        return [d for d in self.documents if d.failed]

    def count(self, status: str) -> int:
        return sum(1 for d in self.documents if d.status == status)

    def summary(self) -> str:
        parts = [
            f"{self.count(s)} {s}"
            for s in ("added", "replaced", "unchanged", "removed", "failed")
            if self.count(s)
        ]
        return f"{', '.join(parts) or 'nothing to do'} in {self.seconds:.1f} s"


class Progress:
    """Hooks for progress displays (tqdm on the CLI, gr.Progress in the app); no-ops here."""

    def documents(self, total: int) -> None: ...
    def document_started(self, source: Source) -> None: ...
    def pages_read(self, source: Source, done: int, total: int) -> None: ...
    def chunks_planned(self, total: int) -> None: ...
    def chunks_done(self, count: int) -> None: ...
    def document_finished(self, report: DocReport) -> None: ...


@dataclass
class _Prepared:
    """A parsed document ready to embed, or the reason it is not."""

    source: Source
    report: DocReport
    info: DocumentInfo | None = None
    pages: list[Page] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)


class Pipeline:
    def __init__(
        self,
        store: Store,
        settings: IngestSettings,
        data_dir: Path,
        progress: Progress | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.data_dir = data_dir
        self.progress = progress or Progress()
        self.library = data_dir / "library"
        self._downloader: Downloader | None = None

    @property
    def downloader(self) -> Downloader:
        if self._downloader is None:
            policy = DownloadPolicy(
                read_timeout=self.settings.download_timeout,
                retries=self.settings.download_retries,
                max_bytes=self.settings.max_download_mb * 1024 * 1024,
            )
            self._downloader = Downloader(self.data_dir / "downloads", policy)
        return self._downloader

    def close(self) -> None:
        if self._downloader is not None:
            self._downloader.close()

    def version(self, content_hash: str) -> str:
        key = f"{content_hash}|{self.settings.index_key}|{self.store.embedder.fingerprint}"
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    # -- runs ---------------------------------------------------------------------------------

    def ingest(
        self, sources: Sequence[Source], force: bool = False, refresh: bool = False
    ) -> RunReport:
        """Ingest sources in order; failures are reported and never stop the run. `refresh`
        downloads cached URLs again, to see whether the publication behind them changed."""
        started = time.perf_counter()
        report = RunReport()
        report.removed_orphans = self.store.collect_garbage()
        for folder in (self.library, self.data_dir / "downloads"):
            remove_stale_temp_files(folder)  # left by a run killed while writing a file
        self.progress.documents(len(sources))
        committed = {d.id: d for d in self.store.documents()}
        # Three stages overlap: the next PDF is parsed and the previous one written to the
        # index while this one is embedded. Writes stay in order, one at a time, each the same
        # all-or-nothing commit as before; a store failure still ends the run.
        with (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse") as parser,
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="write") as writer,
        ):
            pending: Future[_Prepared] | None = None
            writing: Future[None] | None = None
            for i, source in enumerate(sources):
                current = pending or parser.submit(self._prepare, source, committed, force, refresh)
                pending = None
                if i + 1 < len(sources):
                    pending = parser.submit(
                        self._prepare, sources[i + 1], committed, force, refresh
                    )
                self.progress.document_started(source)
                prepared = current.result()
                commit = self._embed(prepared)
                if writing is not None:
                    writing.result()
                writing = writer.submit(commit)
                report.documents.append(prepared.report)
            if writing is not None:
                writing.result()
        report.seconds = time.perf_counter() - started
        return report

    def ingest_catalogue(self, force: bool = False, refresh: bool = False) -> RunReport:
        """The default run: milestones and catalogue records, then every catalogue publication."""
        from ingest.sources import from_catalogue

        started = time.perf_counter()
        records = [self.ingest_milestones(force), self.ingest_catalogue_records(force)]
        report = self.ingest(from_catalogue(), force, refresh)
        report.documents[:0] = records
        report.seconds = time.perf_counter() - started
        return report

    def sync(self, folder: Path, force: bool = False) -> RunReport:
        """Make the index match a folder: add new, replace changed, remove deleted."""
        folder = folder.expanduser().resolve()
        if not folder.is_dir():
            raise IngestError(str(folder), "not a folder")
        sources = from_folder(folder)
        present = {s.doc_id for s in sources}
        report = self.ingest(sources, force)
        prefix = str(folder) + os.sep
        for info in self.store.documents():
            if info.source.startswith(prefix) and info.id not in present:
                report.documents.append(self.remove(info.id))
        return report

    def remove(self, doc_id: str) -> DocReport:
        info = self.store.document(doc_id)
        if info is None:
            raise IngestError(doc_id, "no such document in the index (see `list`)")
        self.store.delete_document(doc_id)
        self._drop_copies(doc_id, keep=None)
        return DocReport(doc_id, info.title, "removed")

    # -- records ------------------------------------------------------------------------------

    def ingest_milestones(self, force: bool = False) -> DocReport:
        items = catalogue.milestones()
        titles = {p.id: p for p in catalogue.publications()}
        texts, chunk_meta = [], []
        for ms in items:
            related = [titles[p] for p in ms.publication_ids]
            text = ms.record_text()
            if related:
                text += (
                    f" {RELATED_LABEL} " + "; ".join(f"{p.title} ({p.year})" for p in related) + "."
                )
            texts.append(text)
            chunk_meta.append(
                (
                    ms.id,
                    ms.year_label,
                    ms.period[0],
                    related[0].url if related else None,
                    json.dumps(ms.fields(), ensure_ascii=False),
                )
            )
        content_hash = _json_hash([t for t in texts] + [m[-1] for m in chunk_meta])
        version = self.version(content_hash)
        chunks = [
            Chunk(
                doc_id=MILESTONES_ID,
                ref_id=ms_id,
                kind=MILESTONE,
                title=f"Anti-Trafficking Programme milestone {year}",
                year=year,
                doc_type="milestone",
                url=url,
                page=None,
                page_label=None,
                index=i,
                start=0,
                end=len(text),
                text=text,
                content_hash=content_hash,
                version=version,
                period_start=start,
                fields=fields,
            )
            for i, (text, (ms_id, year, start, url, fields)) in enumerate(
                zip(texts, chunk_meta, strict=True)
            )
        ]
        title = "Highlights and Milestones 2002-2023"
        info = _record_info(
            MILESTONES_ID,
            title,
            "milestone",
            MILESTONE,
            chunks,
            content_hash,
            version,
            "milestones.json",
        )
        return self._write_records(info, chunks, force)

    def ingest_catalogue_records(self, force: bool = False) -> DocReport:
        pubs = catalogue.publications()
        fields = [json.dumps(p.fields(), ensure_ascii=False) for p in pubs]
        content_hash = _json_hash([p.record_text() + p.url for p in pubs] + fields)
        version = self.version(content_hash)
        chunks = [
            Chunk(
                doc_id=CATALOGUE_ID,
                ref_id=p.id,
                kind=PUBLICATION,
                title=p.title,
                year=p.year,
                doc_type=p.type,
                url=p.url,
                page=None,
                page_label=None,
                index=i,
                start=0,
                end=len(p.record_text()),
                text=p.record_text(),
                content_hash=content_hash,
                version=version,
                fields=fields[i],
            )
            for i, p in enumerate(pubs)
        ]
        title = "Publication catalogue"
        info = _record_info(
            CATALOGUE_ID,
            title,
            "catalogue",
            PUBLICATION,
            chunks,
            content_hash,
            version,
            "publications.json",
        )
        return self._write_records(info, chunks, force)

    def _write_records(self, info: DocumentInfo, chunks: list[Chunk], force: bool) -> DocReport:
        started = time.perf_counter()
        old = self.store.document(info.id)
        report = DocReport(info.id, info.title, "added" if old is None else "replaced")
        report.chunks = len(chunks)
        if old is not None and old.version == info.version and not force:
            report.status = "unchanged"
            return report
        info = _stamped(info)
        vectors = self.store.embedder.encode([c.text for c in chunks])
        self.store.write_document(info, [], chunks, vectors)
        report.seconds = time.perf_counter() - started
        return report

    # -- publications ---------------------------------------------------------------------------

    def _prepare(
        self, source: Source, committed: dict[str, DocumentInfo], force: bool, refresh: bool
    ) -> _Prepared:
        """Fetch, hash and parse (runs in the parse thread); never raises for a bad document."""
        old = committed.get(source.doc_id)
        report = DocReport(
            source.doc_id,
            source.title or source.doc_id,
            "added" if old is None else "replaced",
            url=source.url,
            path=str(source.path) if source.path is not None else None,
        )
        started = time.perf_counter()
        try:
            checked_id(source.doc_id)  # the id names files in the library
            path = (
                source.path
                if source.path is not None
                else self.downloader.fetch(source.url or "", refresh)
            )
            if not path.is_file():
                raise IngestError(source.origin, "file not found")
            content_hash = file_hash(path)
            version = self.version(content_hash)
            if old is not None and old.version == version and not force:
                report.status, report.pages, report.chunks = "unchanged", old.pages, old.chunks
                return _Prepared(source, report)
            parsed = read_pdf(
                path,
                source.origin,
                lambda done, total: self.progress.pages_read(source, done, total),
            )
            prepared = self._chunk(source, parsed, path, content_hash, version, report)
        except IngestError as exc:
            report.status, report.error = "failed", exc.reason
            if old is not None:
                report.error += " (the previously ingested version is kept)"
            return _Prepared(source, report)
        except OSError as exc:
            report.status, report.error = "failed", f"cannot read the file ({exc.strerror or exc})"
            return _Prepared(source, report)
        except Exception as exc:  # one odd document must not end the run
            report.status, report.error = "failed", _unexpected(exc)
            return _Prepared(source, report)
        report.seconds = time.perf_counter() - started
        return prepared

    def _chunk(
        self,
        source: Source,
        parsed: ParsedPdf,
        path: Path,
        content_hash: str,
        version: str,
        report: DocReport,
    ) -> _Prepared:
        title = source.title or parsed.title or source.name_title or title_from_name(path.name)
        if source.year is not None:
            year, year_basis = source.year, "given"
        else:
            found = parsed.year(source.name_year)
            year, year_basis = (found.year, found.basis) if found else (None, "")
        spans = chunk_pages(parsed.pages, self.settings.chunk_size, self.settings.chunk_overlap)
        chunks = [
            Chunk(
                doc_id=source.doc_id,
                ref_id=source.doc_id,
                kind=PUBLICATION,
                title=title,
                year=year,
                doc_type=source.doc_type,
                url=source.url,
                page=span.page.number,
                page_label=span.page.label,
                index=i,
                start=span.start,
                end=span.end,
                text=span.text,
                content_hash=content_hash,
                version=version,
            )
            for i, span in enumerate(spans)
        ]
        warnings = []
        if parsed.empty_pages:
            warnings.append(
                f"{len(parsed.empty_pages)} of {parsed.page_count} pages have no text layer"
            )
        if not chunks:
            raise IngestError(
                source.origin, f"no extractable text in {parsed.page_count} pages (scanned images?)"
            )
        info = DocumentInfo(
            id=source.doc_id,
            title=title,
            year=year,
            year_basis=year_basis,
            doc_type=source.doc_type,
            kind=PUBLICATION,
            url=source.url,
            pages=parsed.page_count,
            chunks=len(chunks),
            content_hash=content_hash,
            version=version,
            source=source.origin,
            cached_path=str(path),
            region=source.region,
            empty_pages=list(parsed.empty_pages),
            page_labels={str(p.number): p.label for p in parsed.pages if p.label},
            warnings=warnings,
        )
        report.title, report.pages, report.chunks = title, parsed.page_count, len(chunks)
        report.empty_pages = len(parsed.empty_pages)
        return _Prepared(source, report, info, list(parsed.pages), chunks)

    def _embed(self, prepared: _Prepared) -> Callable[[], None]:
        """Keep a copy and embed (in the caller's thread); returns the commit, which the write
        thread runs while the next document is embedded."""
        report = prepared.report
        done = partial(self.progress.document_finished, report)
        if prepared.info is None:
            return done
        started = time.perf_counter()
        try:
            info = prepared.info
            if prepared.source.path is not None:
                copy = self._keep_copy(prepared.source.path, info.id, info.version)
                info = _replace_info(info, cached_path=str(copy))
            vectors = self._encode(prepared.chunks)
        except IngestError as exc:
            report.status, report.error = "failed", exc.reason
        except OSError as exc:
            report.status, report.error = "failed", f"cannot keep a copy ({exc.strerror or exc})"
        report.seconds += time.perf_counter() - started
        if report.status == "failed":
            return done

        def commit() -> None:
            started = time.perf_counter()
            try:
                self.store.write_document(_stamped(info), prepared.pages, prepared.chunks, vectors)
                self._drop_copies(info.id, keep=Path(info.cached_path))
            except IngestError as exc:
                report.status, report.error = "failed", exc.reason
            except OSError as exc:
                report.status, report.error = "failed", f"cannot drop old copies ({exc})"
            report.seconds += time.perf_counter() - started
            done()

        return commit

    def _encode(self, chunks: Sequence[Chunk]) -> np.ndarray:
        self.progress.chunks_planned(len(chunks))
        parts = []
        for start in range(0, len(chunks), ENCODE_STEP):
            batch = chunks[start : start + ENCODE_STEP]
            parts.append(self.store.embedder.encode([c.text for c in batch]))
            self.progress.chunks_done(len(batch))
        return np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)

    def _keep_copy(self, path: Path, doc_id: str, version: str) -> Path:
        """A copy under the data dir, so citations open even if the original moves.

        Named by version: until the new version is committed, the old copy is still the one
        its pages were read from. `doc_id` passed `checked_id` in `_prepare`, so it is a slug.
        """
        self.library.mkdir(parents=True, exist_ok=True)
        target = self.library / f"{doc_id}.{version}.pdf"
        if target.exists():  # the version names the content, so this is the same file
            return target
        fd, tmp = temp_file(self.library, "copy")
        os.close(fd)
        try:
            shutil.copyfile(path, tmp)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return target

    def _drop_copies(self, doc_id: str, keep: Path | None) -> None:
        """Once readers see the new version (or the removal): until then they cite the old."""
        for old in self.library.glob(f"{doc_id}.*.pdf"):
            if keep is None or old.resolve() != keep.resolve():
                self.store.when_published(functools.partial(old.unlink, missing_ok=True))


def _json_hash(values: Iterable[str]) -> str:
    return hashlib.sha256(json.dumps(list(values), ensure_ascii=False).encode()).hexdigest()


def _stamped(info: DocumentInfo) -> DocumentInfo:
    return _replace_info(info, ingested_at=datetime.now(UTC).isoformat(timespec="seconds"))


def _replace_info(info: DocumentInfo, **changes: object) -> DocumentInfo:
    import dataclasses

    return dataclasses.replace(info, **changes)  # type: ignore[arg-type]


ProgressFactory = Callable[[], Progress]


def _unexpected(exc: Exception) -> str:
    """Words for a failure nobody foresaw: what kind, and what it said, on one line."""
    said = " ".join(str(exc).split())[:200]
    return f"could not be read ({type(exc).__name__}{': ' + said if said else ''})"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _record_info(
    doc_id: str,
    title: str,
    doc_type: str,
    kind: Kind,
    chunks: list[Chunk],
    content_hash: str,
    version: str,
    data_file: str,
) -> DocumentInfo:
    """The document record of package-data records: no pages, no PDF, one version."""
    return DocumentInfo(
        id=doc_id,
        title=title,
        year=None,
        doc_type=doc_type,
        kind=kind,
        url=None,
        pages=0,
        chunks=len(chunks),
        content_hash=content_hash,
        version=version,
        source=f"package data: ingest/data/{data_file}",
    )
