"""`python -m ingest`: build and maintain the index. Exit 0 when all went in, 1 when some
documents failed (the rest are ingested), 2 on a usage or configuration error, 3 when another
ingest holds the data dir and --no-wait was given.

Commands that write wait for an ingest already running on the same data dir (the app's
Library tab included), saying whose; the app keeps answering from the index as it was and sees
the new one as soon as this run is published."""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from ingest.errors import IngestError
from ingest.pipeline import DocReport, Pipeline, Progress, RunReport
from ingest.settings import IngestSettings
from ingest.sources import Source, checked_id, from_path, from_url, is_url
from vectorstore.embeddings import EmbeddingModelError
from vectorstore.errors import IndexBusy, StoreError
from vectorstore.index import Index
from vectorstore.settings import SettingsError, StoreSettings


class TqdmProgress(Progress):
    """A bar over documents and one over the chunks being embedded."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.docs: tqdm | None = None
        self.chunks: tqdm | None = None

    def documents(self, total: int) -> None:
        if self.enabled and total:
            self.docs = tqdm(total=total, unit="doc", desc="documents", position=0)

    def document_started(self, source: Source) -> None:
        if self.docs is not None:
            self.docs.set_postfix_str(source.doc_id[:40])

    def chunks_planned(self, total: int) -> None:
        if self.enabled:
            if self.chunks is not None:
                self.chunks.close()
            self.chunks = tqdm(total=total, unit="chunk", desc="embedding", position=1, leave=False)

    def chunks_done(self, count: int) -> None:
        if self.chunks is not None:
            self.chunks.update(count)

    def document_finished(self, report: DocReport) -> None:
        if self.docs is not None:
            self.docs.update(1)
            if report.failed:
                self.docs.write(report.line())

    def close(self) -> None:
        for bar in (self.chunks, self.docs):
            if bar is not None:
                bar.close()


class LineProgress(Progress):
    """One line per document started and finished, for logs and pipes, where bars are noise."""

    def documents(self, total: int) -> None:
        self.total, self.count = total, 0

    def document_started(self, source: Source) -> None:
        self.count += 1
        where = source.origin if source.origin != source.doc_id else ""
        named = f"{where} (id {source.doc_id})" if where else source.doc_id
        click.echo(f"[{self.count}/{self.total}] started  {named}", err=True)

    def document_finished(self, report: DocReport) -> None:
        click.echo(f"finished {report.line()}", err=True)

    def close(self) -> None:
        return None


class Context:
    """Built once per command from options and environment; only the CLI constructs things."""

    def __init__(self, data_dir: Path | None, quiet: bool, wait: bool = True) -> None:
        self.store_settings = StoreSettings.from_env(data_dir=data_dir)
        self.settings = IngestSettings.from_env()
        self.quiet = quiet
        self.wait = wait
        self.index = open_index(self.store_settings)
        self._store = None

    @property
    def store(self):
        """The published index, for commands that only read."""
        if self._store is None:
            self._store = self.index.reader()
        return self._store

    @contextlib.contextmanager
    def pipeline(self) -> Iterator[tuple[Pipeline, TqdmProgress | LineProgress]]:
        """A pipeline on the writer Store, holding the data dir's writer lock throughout."""
        with self.index.writer(self.wait, self._waiting) as store:
            progress: TqdmProgress | LineProgress
            if self.quiet or sys.stderr.isatty():
                progress = TqdmProgress(enabled=not self.quiet)
            else:
                progress = LineProgress()  # one line per file when nobody watches a bar
            pipeline = Pipeline(store, self.settings, self.store_settings.data_dir, progress)
            try:
                yield pipeline, progress
            finally:
                progress.close()
                pipeline.close()

    def _waiting(self, holder: str) -> None:
        click.echo(
            f"Waiting for the ingest already running on {self.store_settings.data_dir} to "
            f"finish: {holder}. (--no-wait stops instead.)",
            err=True,
        )

    def run(self, work: Callable[[Pipeline], RunReport]) -> None:
        """One ingest run with progress bars, then its report; exits 1 if a document failed."""
        with self.pipeline() as (pipeline, _):
            report = work(pipeline)
        finish(report, self.quiet)


open_index = Index  # the seam tests replace to share one loaded model


class Refused(click.ClickException):
    exit_code = 3


def common(func: Callable[..., Any]) -> Callable[..., Any]:
    """--data-dir and --quiet for every command, turning library errors into one-line messages."""

    @click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Index folder (default: $ATP_DATA_DIR or ./data).",
    )
    @click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
    @functools.wraps(func)
    def wrapper(data_dir: Path | None, quiet: bool, **kwargs: Any) -> Any:
        root = click.get_current_context().find_root().params
        wait = not kwargs.pop("no_wait", False)
        try:
            ctx = Context(data_dir or root.get("data_dir"), quiet or bool(root.get("quiet")), wait)
            return func(ctx, **kwargs)
        except (SettingsError, EmbeddingModelError) as exc:
            raise click.UsageError(str(exc)) from exc
        except IndexBusy as exc:
            raise Refused(f"{exc}. Run it again when that one has finished.") from exc
        except (StoreError, IngestError) as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


no_wait = click.option(
    "--no-wait",
    is_flag=True,
    help="If another ingest is writing this data dir, stop (exit 3) instead of waiting for it.",
)


def finish(report: RunReport, quiet: bool) -> None:
    for doc in report.documents:
        if not quiet or doc.failed:
            click.echo(doc.line())
    if report.removed_orphans:
        click.echo(f"cleaned {report.removed_orphans} leftover chunks of an interrupted run")
    click.echo(report.summary())
    if report.failures:
        click.echo(
            f"{len(report.failures)} document(s) not ingested: "
            + ", ".join(d.doc_id for d in report.failures),
            err=True,
        )
        sys.exit(1)


def _check_id(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A usage error (exit 2) for an id that is not a slug, before anything is opened."""
    if value is None:
        return None
    try:
        return checked_id(value)
    except IngestError as exc:
        raise click.BadParameter(f"{value!r} is {exc.reason}") from exc


@click.group(invoke_without_command=True)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Index folder for every command (default: $ATP_DATA_DIR or ./data).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.pass_context
def cli(click_ctx: click.Context, data_dir: Path | None, quiet: bool) -> None:
    """Ingest the ICMPD Anti-Trafficking Programme's milestones and publications.

    Without a command: milestones, catalogue records, then every catalogue publication.
    """
    if click_ctx.invoked_subcommand is None:
        click_ctx.invoke(catalogue_cmd)


@cli.command("catalogue")
@click.option("--force", is_flag=True, help="Re-ingest even unchanged documents.")
@click.option(
    "--refresh",
    is_flag=True,
    help="Download publications again though they are cached, to pick up a changed file.",
)
@no_wait
@common
def catalogue_cmd(ctx: Context, force: bool = False, refresh: bool = False) -> None:
    """Milestones, catalogue records and all catalogue publications (the default run)."""
    ctx.run(lambda pipeline: pipeline.ingest_catalogue(force, refresh))


@cli.command()
@click.argument("target")
@click.option("--title", help="Title shown in citations (default: PDF metadata or file name).")
@click.option("--year", type=click.IntRange(1900, 2100), help="Publication year.")
@click.option("--type", "doc_type", help="guidelines, handbook, training manual, study, ...")
@click.option(
    "--id", "doc_id", callback=_check_id, help="Document id (default: from the file name)."
)
@click.option("--force", is_flag=True, help="Re-ingest even if unchanged.")
@click.option(
    "--refresh",
    is_flag=True,
    help="Download a URL's publication again though it is cached, to pick up a changed file.",
)
@no_wait
@common
def add(
    ctx: Context,
    target: str,
    title: str | None,
    year: int | None,
    doc_type: str | None,
    doc_id: str | None,
    force: bool,
    refresh: bool,
) -> None:
    """Add or replace one publication from a PDF file, a URL, or every PDF in a folder."""
    meta = {"title": title, "year": year, "doc_type": doc_type, "doc_id": doc_id}
    path = Path(target)
    if is_url(target):
        sources = [from_url(target, **meta)]
    elif path.is_dir():
        from ingest.sources import from_folder

        sources = from_folder(path)
    elif path.exists():
        sources = [from_path(path, **meta)]
    else:
        raise click.BadParameter(f"{target!r} is neither a file, a folder nor an http(s) URL")
    ctx.run(lambda pipeline: pipeline.ingest(sources, force, refresh))


@cli.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Re-ingest even unchanged documents.")
@no_wait
@common
def sync(ctx: Context, folder: Path, force: bool) -> None:
    """Make the index match FOLDER: add new PDFs, replace changed ones, remove deleted ones."""
    ctx.run(lambda pipeline: pipeline.sync(folder, force))


@cli.command()
@click.argument("doc_id")
@no_wait
@common
def remove(ctx: Context, doc_id: str) -> None:
    """Remove one document (see `list` for ids)."""
    with ctx.pipeline() as (pipeline, _):
        line = pipeline.remove(doc_id).line()
    click.echo(line)


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@common
def list_cmd(ctx: Context, as_json: bool) -> None:
    """The ingested documents."""
    docs = ctx.store.documents()
    if as_json:
        click.echo(json.dumps([d.summary() for d in docs], indent=2, ensure_ascii=False))
        return
    if not docs:
        click.echo("The index is empty: run `python -m ingest` or `python -m ingest add FILE`.")
    for d in docs:
        year = d.year or "----"
        click.echo(f"{d.id:<48} {year}  {d.pages:>4} p  {d.chunks:>5} chunks  {d.title[:60]}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@common
def status(ctx: Context, as_json: bool) -> None:
    """Totals, settings in force, and the health of the catalogue."""
    docs = ctx.store.documents()
    totals = ctx.store.counts()
    s = ctx.store_settings
    data: dict[str, Any] = {
        "data_dir": str(s.data_dir.resolve()),
        "chroma": f"server {s.chroma_host}:{s.chroma_port}"
        if s.chroma_mode == "server"
        else f"embedded {_published(ctx)}",
        "collection": s.collection,
        "embedding_model": s.embedding_model,
        "chunking": ctx.settings.index_key,
        "totals": totals,
        "documents": [d.summary() for d in docs],
    }
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for key in ("data_dir", "chroma", "collection", "embedding_model", "chunking"):
        click.echo(f"{key:<16} {data[key]}")
    click.echo(
        f"{'totals':<16} {totals['documents']} documents, {totals['milestones']} milestones, "
        f"{totals['chunks']} chunks, {totals['pages']} pages"
    )
    if totals["stored_chunks"] != totals["chunks"]:
        click.echo(
            f"{'':<16} {totals['stored_chunks'] - totals['chunks']} leftover chunks of an "
            "interrupted run: the next ingest removes them"
        )


def _published(ctx: Context) -> str:
    current = ctx.index.generations.current()
    return f"{current.path.resolve()} (generation {current.number})" if current else "(empty)"


def main() -> None:
    cli(prog_name="python -m ingest")
