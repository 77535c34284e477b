"""The Library tab: what is ingested, and the admin actions (upload, remove, re-ingest all).

With ATP_ADMIN_PASSWORD set, every action needs it; without one the library is read-only.
"""

from __future__ import annotations

import contextvars
import hmac
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ingest.pdf import clean_text
from ingest.pipeline import CATALOGUE_ID, MILESTONES_ID, DocReport, Progress, RunReport
from ingest.sources import Source, from_path, slugify
from ui import render
from ui.feedback import FeedbackLog
from ui.services import Busy, Services
from ui.uploads import Staged, UploadRefused, check_pdf, safe_name, shown, stage

log = logging.getLogger("atp.app")
RESERVED_IDS = {MILESTONES_ID, CATALOGUE_ID}  # an upload named milestones.pdf must not replace them
READ_ONLY = (
    "The library is read-only: uploads, removal and re-ingest are switched off because no "
    "admin password is configured. To enable them, start the app with ATP_ADMIN_PASSWORD set."
)
PROTECTED = "Uploads, removal and re-ingest need the admin password (ATP_ADMIN_PASSWORD)."

ProgressFn = Callable[..., Any]


class ProgressBridge(Progress):
    """Pipeline progress hooks -> a gr.Progress (or any callable taking (fraction, desc=...)).

    The pipeline reads the next PDF and commits the last one in threads of its own, where
    Gradio's per-event context is unset and gr.Progress would drop the update; each report
    therefore runs in a copy of the context the bridge was made in (the event's).
    """

    READING = 0.3  # share of a document's bar for reading its pages; embedding takes the rest

    def __init__(self, report: ProgressFn, prefix: str = "") -> None:
        self.report = report
        self.prefix = prefix
        self.total = self.done = 0
        self.title = self.doc_id = ""
        self.within = 0.0  # how far the current document is, 0..1
        self.chunks_total = self.chunks_seen = 0
        self._context = contextvars.copy_context()
        self._lock = threading.Lock()

    def documents(self, total: int) -> None:
        self.total, self.done = max(total, 1), 0

    def document_started(self, source: Source) -> None:
        self.title = source.title or source.doc_id
        self.doc_id = source.doc_id
        self.chunks_total = self.chunks_seen = 0
        self.within = 0.0
        self._show(f"Reading {self.title}")

    def pages_read(self, source: Source, done: int, total: int) -> None:
        # Runs in the parse thread, which may already read the next document: only the
        # current one's pages move the bar.
        if source.doc_id != self.doc_id or self.chunks_total:
            return
        self.within = self.READING * done / max(total, 1)
        self._show(f"Reading {self.title}: page {done} of {total}")

    def chunks_planned(self, total: int) -> None:
        self.chunks_total, self.chunks_seen = total, 0
        self.within = self.READING
        self._show(f"Embedding {self.title}: 0 of {total} chunks")

    def chunks_done(self, count: int) -> None:
        self.chunks_seen += count
        share = self.chunks_seen / self.chunks_total if self.chunks_total else 1.0
        self.within = self.READING + (1 - self.READING) * share
        self._show(f"Embedding {self.title}: {self.chunks_seen} of {self.chunks_total} chunks")

    def document_finished(self, report: DocReport) -> None:
        # The write thread calls this, maybe once the next document has started: only the
        # current document's share is reset.
        self.done += 1
        if report.doc_id == self.doc_id:
            self.within = 0.0
        self._show(f"{report.status} {report.title or report.doc_id}")

    def _show(self, desc: str) -> None:
        fraction = min((self.done + self.within) / max(self.total, 1), 1.0)
        with self._lock:  # a context can be entered by one thread at a time
            self._context.run(self.report, fraction, desc=f"{self.prefix}{desc}")


def _no_progress(*args: Any, **kwargs: Any) -> None:
    return None


def parse_year(value: object) -> int | None:
    """The Year field: empty means "read it from the PDF"; anything else must be a year."""
    text = str(value).strip() if value is not None else ""
    if not text:
        return None
    try:
        year = int(float(text))
    except ValueError:
        raise ValueError(
            f"{text[:20]!r} is not a year; leave it empty to read it from the PDF."
        ) from None
    if not 1900 <= year <= 2100:
        raise ValueError(f"{year} is not a plausible year.")
    return year


class LibraryHandlers:
    def __init__(self, services: Services, feedback: FeedbackLog | None = None) -> None:
        self.services = services
        self.feedback_log = feedback or FeedbackLog(services.data_dir)

    @property
    def feedback_file(self) -> str:
        return str(self.feedback_log.path)

    def feedback(self, password: str | None = None) -> str:
        """Users' thumbs and comments, for the admin only: they hold what users asked."""
        if (refused := self.refusal(password)) is not None:
            return render.notice_html(refused, "error")
        return render.feedback_html(self.feedback_log.entries())

    @property
    def read_only(self) -> bool:
        return not self.services.app_settings.admin_password

    def mode(self) -> str:
        return render.notice_html(READ_ONLY if self.read_only else PROTECTED, "info")

    def refusal(self, password: str | None) -> str | None:
        """Why an admin action is refused, or None when it may go ahead."""
        configured = self.services.app_settings.admin_password
        if not configured:
            return READ_ONLY
        given = (password or "").encode("utf-8")
        if not hmac.compare_digest(given, configured.encode("utf-8")):
            return "Wrong or missing admin password; nothing was changed."
        return None

    # -- reading ----------------------------------------------------------------------------

    def table(self) -> str:
        try:
            return render.library_html(self.services.documents(), self.services.pdf_ids())
        except Exception as exc:
            return render.notice_html(f"Cannot list the library: {exc}", "error")

    def choices(self) -> list[tuple[str, str]]:
        try:
            docs = self.services.documents()
        except Exception:
            return []
        return [(f"{d.title} ({d.id})", d.id) for d in docs]

    # -- actions ----------------------------------------------------------------------------

    def upload(self, *args: Any, **kwargs: Any) -> str:
        """`add_uploads` as HTML only."""
        return self.add_uploads(*args, **kwargs)[0]

    def add_uploads(
        self,
        files: Sequence[str] | str | None,
        title: str | None = None,
        year: object = None,
        doc_type: str | None = None,
        password: str | None = None,
        progress: ProgressFn = _no_progress,
    ) -> tuple[str, bool]:
        """Store each PDF under DATA_DIR/uploads and ingest it; returns the report as HTML and
        whether anything went in (if not, the form keeps the chosen files)."""
        if (refused := self.refusal(password)) is not None:
            return render.notice_html(refused, "error"), False
        paths = [files] if isinstance(files, str) else list(files or [])
        if not paths:
            return render.notice_html("Choose one or more PDF files first.", "warn"), False
        try:
            year_value = parse_year(year)
        except ValueError as exc:
            return render.notice_html(str(exc), "error"), False
        title = clean_text(title or "") or None  # typed or pasted: no controls, one-spaced
        if title and len(paths) > 1:
            message = (
                "A title applies to one file; upload the files one at a time to title each, "
                "or leave the title empty to take it from each PDF."
            )
            return render.notice_html(message, "warn"), False
        problems, sources, staged = [], [], {}
        services = self.services
        for raw in paths:
            path = Path(raw)
            name = path.name
            try:
                check_pdf(path, name, services.max_upload_bytes)
                if slugify(safe_name(name)[:-4]) in {slugify(s.path.stem) for s in staged.values()}:
                    raise UploadRefused(f"{shown(name)}: same name as another file in this upload")
                kept = stage(path, services.uploads_dir, name)
            except UploadRefused as exc:
                problems.append(str(exc))
                continue
            doc_id = slugify(kept.path.stem)
            if doc_id in RESERVED_IDS:
                doc_id = f"upload-{doc_id}"
            source = from_path(
                kept.path, title=title, year=year_value, doc_type=doc_type or None, doc_id=doc_id
            )
            sources.append(source)
            staged[source.doc_id] = kept
        if not sources:
            return render.notice_html("\n".join(problems), "error"), False
        try:
            report = self._run(
                f"ingesting {len(sources)} upload(s)",
                lambda pipeline: pipeline.ingest(sources),
                progress,
            )
        except Exception as exc:
            for kept in staged.values():
                kept.undo()
            if isinstance(exc, Busy):
                return render.notice_html(str(exc), "warn"), False
            log.exception("upload ingest failed")
            return render.notice_html(f"The upload was not ingested: {exc}", "error"), False
        _settle(report, staged)
        return _report_html(report, problems), any(not d.failed for d in report.documents)

    def remove(
        self, doc_id: str | None, password: str | None = None, progress: ProgressFn = _no_progress
    ) -> str:
        if (refused := self.refusal(password)) is not None:
            return render.notice_html(refused, "error")
        if not doc_id:
            return render.notice_html("Choose a document to remove.", "warn")
        progress(0.0, desc=f"Removing {doc_id}")
        report = RunReport()
        try:
            with self.services.ingesting(f"removing {doc_id}") as store:
                if store.document(doc_id) is None:
                    return render.notice_html(f"{doc_id} is not in the index.", "warn")
                report.documents.append(self.services.pipeline(store).remove(doc_id))
        except Busy as exc:
            return render.notice_html(str(exc), "warn")
        except Exception as exc:
            return render.notice_html(f"Could not remove {doc_id}: {exc}", "error")
        return _report_html(report, [])

    def reingest(self, password: str | None = None, progress: ProgressFn = _no_progress) -> str:
        """Every indexed document again, from its kept copy (no network) or the package data."""
        if (refused := self.refusal(password)) is not None:
            return render.notice_html(refused, "error")

        def run(pipeline):
            documents = pipeline.store.documents()
            present = {d.id for d in documents}
            progress(0.0, desc="Milestones and catalogue records")
            records = []
            if MILESTONES_ID in present:
                records.append(pipeline.ingest_milestones(force=True))
            if CATALOGUE_ID in present:
                records.append(pipeline.ingest_catalogue_records(force=True))
            sources, missing = [], []
            for info in documents:
                if info.id in RESERVED_IDS:
                    continue
                path = Path(info.cached_path) if info.cached_path else None
                if path is None or not path.is_file():
                    missing.append(DocReport(info.id, info.title, "failed", error="no kept copy"))
                    continue
                sources.append(
                    Source(
                        doc_id=info.id,
                        origin=info.source or str(path),
                        title=info.title,
                        year=info.year,
                        doc_type=info.doc_type,
                        region=info.region,
                        path=path,
                        url=info.url,
                    )
                )
            report = pipeline.ingest(sources, force=True)
            report.documents[:0] = records
            report.documents += missing
            return report

        try:
            report = self._run("re-ingesting everything", run, progress)
        except Busy as exc:
            return render.notice_html(str(exc), "warn")
        except Exception as exc:
            log.exception("re-ingest failed")
            return render.notice_html(f"Re-ingest stopped: {exc}", "error")
        return _report_html(report, [])

    def _run(self, activity: str, work: Callable, progress: ProgressFn) -> RunReport:
        with self.services.ingesting(activity) as store:
            pipeline = self.services.pipeline(store, ProgressBridge(progress))
            try:
                return work(pipeline)
            finally:
                pipeline.close()


def _settle(report: RunReport, staged: dict[str, Staged]) -> None:
    """Keep the uploads that went in; put back what was there for those that failed."""
    for doc in report.documents:
        kept = staged.get(doc.doc_id)
        if kept is None:
            continue
        if doc.failed:
            kept.undo()
        else:
            kept.commit()


def _report_html(report: RunReport, problems: list[str]) -> str:
    lines = [*problems, *(d.line() for d in report.documents), report.summary()]
    went_in = any(not d.failed for d in report.documents)
    if not (report.failures or problems):
        kind = "ok"
    elif went_in:
        kind = "warn"
    else:
        kind = "error"
        lines.append("Nothing in the index was changed.")
    return render.notice_html("\n".join(lines), kind)
