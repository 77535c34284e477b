"""The Library tab: what is ingested, and the admin actions (upload, remove, re-ingest all).

With ATP_ADMIN_PASSWORD set, every action needs it; without one the library is read-only.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ingest.pdf import clean_text
from ingest.pipeline import CATALOGUE_ID, MILESTONES_ID, DocReport, Progress, RunReport
from ingest.sources import Source, from_path, slugify
from ui import render
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
    """Pipeline progress hooks -> a gr.Progress (or any callable taking (fraction, desc=...))."""

    def __init__(self, report: ProgressFn, prefix: str = "") -> None:
        self.report = report
        self.prefix = prefix
        self.total = self.done = 0
        self.chunks_total = self.chunks_seen = 0
        self.title = ""

    def documents(self, total: int) -> None:
        self.total, self.done = max(total, 1), 0

    def document_started(self, source: Source) -> None:
        self.title = source.title or source.doc_id
        self.chunks_total = self.chunks_seen = 0
        self._show(f"Reading {self.title}")

    def chunks_planned(self, total: int) -> None:
        self.chunks_total, self.chunks_seen = total, 0

    def chunks_done(self, count: int) -> None:
        self.chunks_seen += count
        self._show(f"Embedding {self.title}: {self.chunks_seen}/{self.chunks_total} chunks")

    def document_finished(self, report: DocReport) -> None:
        self.done += 1
        self.chunks_total = self.chunks_seen = 0
        self._show(f"{report.status} {self.title}")

    def _show(self, desc: str) -> None:
        within = self.chunks_seen / self.chunks_total if self.chunks_total else 0.0
        fraction = min((self.done + within) / max(self.total, 1), 1.0)
        self.report(fraction, desc=f"{self.prefix}{desc}")


def _no_progress(*args: Any, **kwargs: Any) -> None:
    return None


class LibraryHandlers:
    def __init__(self, services: Services) -> None:
        self.services = services

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

    def upload(
        self,
        files: Sequence[str] | str | None,
        title: str | None = None,
        year: float | None = None,
        doc_type: str | None = None,
        password: str | None = None,
        progress: ProgressFn = _no_progress,
    ) -> str:
        """Store each PDF under DATA_DIR/uploads and ingest it; returns the report as HTML."""
        if (refused := self.refusal(password)) is not None:
            return render.notice_html(refused, "error")
        paths = [files] if isinstance(files, str) else list(files or [])
        if not paths:
            return render.notice_html("Choose one or more PDF files first.", "warn")
        year_value = int(year) if year else None
        if year_value is not None and not 1900 <= year_value <= 2100:
            return render.notice_html(f"{year_value} is not a plausible year.", "error")
        title = clean_text(title or "") or None  # typed or pasted: no controls, one-spaced
        if title and len(paths) > 1:
            return render.notice_html(
                "A title applies to one file; upload the files one at a time to title each, "
                "or leave the title empty to take it from each PDF.",
                "warn",
            )
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
            return render.notice_html("\n".join(problems), "error")
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
                return render.notice_html(str(exc), "warn")
            log.exception("upload ingest failed")
            return render.notice_html(f"The upload was not ingested: {exc}", "error")
        _settle(report, staged)
        return _report_html(report, problems)

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
