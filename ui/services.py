"""What the app's handlers share: the index, an assistant per backend, and one ingest at a time.

Nothing heavy happens on construction, so the page is served at once; the store, the
embedding model and the keyword index are opened on first use or by `start_background()`.
A store that could not be opened (a Chroma server that is down) is retried on the next use.

Each question takes the current snapshot of the index (see `vectorstore.index`): the same one
until an ingest, from this app, another app or the CLI, publishes a new one; then the next
question opens that. Questions asked meanwhile keep the snapshot they started with.
"""

from __future__ import annotations

import faulthandler
import logging
import signal
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from assistant import (
    Assistant,
    AssistantSettings,
    Backend,
    Reader,
    Retriever,
    get_backend,
    get_reader,
)
from ingest import catalogue
from ingest.pipeline import Pipeline, Progress
from ingest.settings import IngestSettings
from ui.settings import AppSettings
from ui.uploads import PDF_SIGNATURE
from vectorstore.errors import IndexBusy
from vectorstore.index import Index
from vectorstore.records import DocumentInfo
from vectorstore.settings import StoreSettings
from vectorstore.store import Store

log = logging.getLogger("atp.app")
WARM_UP_WAIT = 120.0  # seconds a first question waits for start-up (model load + records)
STOP_GRACE_S = 5  # then a stopping app closes open clients (a browser tab would hold it)
WATCH_EVERY = 1.0  # seconds between looks at the published generation (a small file read)


class Busy(RuntimeError):
    """Another ingest is running; the message says which."""


@dataclass(frozen=True)
class Snapshot:
    """One published state of the index and the keyword index built from it."""

    marker: str
    store: Store
    retriever: Retriever


@dataclass
class Services:
    store_settings: StoreSettings
    assistant_settings: AssistantSettings = field(default_factory=AssistantSettings)
    ingest_settings: IngestSettings = field(default_factory=IngestSettings)
    app_settings: AppSettings = field(default_factory=AppSettings)
    index_factory: Callable[[StoreSettings], Index] = Index

    def __post_init__(self) -> None:
        self._index: Index | None = None
        self._snapshot: Snapshot | None = None
        self._backends: dict[str, Backend] = {}
        self._reader: list[Reader | None] = []  # loaded once, on the first question
        self._open_lock = threading.Lock()
        self._own_activity: str | None = None  # what this app's ingest does, for the status line
        self.ready = False  # model and keyword index warm
        self._warm_up_thread: threading.Thread | None = None
        self.startup_error: str | None = None

    @classmethod
    def from_env(cls, data_dir: Path | None = None, **app_overrides: object) -> Services:
        """Every setting from arguments > ATP_* environment > defaults; bad values raise here."""
        return cls(
            StoreSettings.from_env(data_dir=data_dir),
            AssistantSettings.from_env(),
            IngestSettings.from_env(),
            AppSettings.from_env(**app_overrides),
        )

    @property
    def data_dir(self) -> Path:
        return Path(self.store_settings.data_dir).expanduser().resolve()

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def max_upload_bytes(self) -> int:
        return self.ingest_settings.max_download_mb * 1024 * 1024

    # -- the index and the answerers ------------------------------------------------------

    @property
    def index(self) -> Index:
        with self._open_lock:
            if self._index is None:
                self._index = self.index_factory(self.store_settings)
            return self._index

    def snapshot(self) -> Snapshot:
        """The index as the next question should see it: the one before, unless an ingest
        published since (checking costs a small file read); raises StoreUnavailable while a
        server is down."""
        index = self.index
        current = self._snapshot
        if current is not None and current.marker == index.marker():
            return current
        with self._open_lock:
            current, marker = self._snapshot, index.marker()
            if current is None or current.marker != marker:
                store = index.reader()
                current = Snapshot(marker, store, Retriever(store))
                self._snapshot = current
                if self.ready:  # after start-up; before it, the warm-up builds it
                    self.refresh_in_background()
            return current

    @property
    def store(self) -> Store:
        return self.snapshot().store

    @property
    def retriever(self) -> Retriever:
        return self.snapshot().retriever

    @property
    def activity(self) -> str | None:
        """What the running ingest does, this app's or another process's, for the status line."""
        if self._own_activity or self._index is None:
            return self._own_activity
        holder = self._index.running_ingest()
        return f"an ingest elsewhere, {holder}; answers use the index as it was" if holder else None

    def backend_names(self) -> list[str]:
        """The configured backend first, then the offline extractive one."""
        return list(dict.fromkeys([self.assistant_settings.backend, "extractive"]))

    def assistant(self, backend: str | None = None) -> Assistant:
        """An assistant on the shared store and warm indexes; raises BackendError if unusable."""
        name = backend if backend in self.backend_names() else self.assistant_settings.backend
        snapshot = self.snapshot()  # one for the whole question, whatever is published meanwhile
        with self._open_lock:
            if name not in self._backends:
                self._backends[name] = get_backend(name, self.assistant_settings)
            chosen = self._backends[name]
            if not self._reader:
                self._reader.append(get_reader(self.assistant_settings.reader))
            reader = self._reader[0]
        return Assistant(
            snapshot.store, chosen, self.assistant_settings, snapshot.retriever, reader=reader
        )

    def documents(self) -> list[DocumentInfo]:
        return self.store.documents()

    def pdf_path(self, doc_id: str) -> Path | None:
        """The cached PDF of an ingested document, if it is a file inside the data dir."""
        info = self.store.document(doc_id) if doc_id else None
        if info is None or not info.cached_path:
            return None
        path = Path(info.cached_path).resolve()
        if not path.is_relative_to(self.data_dir) or not path.is_file():
            return None
        with path.open("rb") as fh:
            if PDF_SIGNATURE not in fh.read(1024):
                return None
        return path

    def pdf_ids(self) -> set[str]:
        """Documents whose PDF the app can serve (by the cheap checks; the route re-checks)."""
        return {d.id for d in self.documents() if d.cached_path}

    def doc_types(self) -> list[str]:
        """Publication types in the index, for the filter (catalogue records count by entry)."""
        types: set[str] = set()
        for info in self.documents():
            if info.id == "catalogue":
                types |= {p.type for p in catalogue.publications()}
            else:
                types.add(info.doc_type)
        return sorted(types)

    # -- ingesting ------------------------------------------------------------------------

    def pipeline(self, store: Store, progress: Progress | None = None) -> Pipeline:
        """A pipeline on the writer Store that `ingesting` gives."""
        return Pipeline(store, self.ingest_settings, self.data_dir, progress)

    @contextmanager
    def ingesting(self, activity: str) -> Iterator[Store]:
        """The writer Store, under the data dir's writer lock (which the CLI takes too);
        raises Busy, naming the running ingest, instead of queueing behind a long run."""
        try:
            with self.index.writer(wait=False, command=f"the web app: {activity}") as store:
                self._own_activity = activity
                try:
                    yield store
                finally:
                    self._own_activity = None
        except IndexBusy as exc:
            raise Busy(
                f"Another ingest is running: {exc.holder}. Nothing was changed; try again "
                "when it has finished."
            ) from exc
        self.refresh_in_background()

    def refresh_in_background(self) -> None:
        """Open what was published and build its keyword index before a question needs it."""
        threading.Thread(target=self._refresh, name="atp-refresh", daemon=True).start()

    def _refresh(self) -> None:
        try:
            self.retriever.keyword_index()
            self.index.generations.collect()  # the one this app just left, if nobody reads it
        except Exception as exc:  # the next question reports it properly
            log.warning("could not refresh the keyword index: %s", exc)

    # -- start-up -------------------------------------------------------------------------

    def start_background(self) -> threading.Thread:
        """Warm the model and indexes; on an empty index, add the records that need no network.
        `kill -USR1 PID` then writes every thread's stack to stderr: what a stuck answer waits on."""
        if threading.current_thread() is threading.main_thread():
            faulthandler.register(signal.SIGUSR1, all_threads=True)
        thread = threading.Thread(target=self._warm_up, name="atp-warm-up", daemon=True)
        self._warm_up_thread = thread
        thread.start()
        watching = weakref.ref(self)  # the watcher ends with the Services it watches
        threading.Thread(target=_watch, args=(watching,), name="atp-watch", daemon=True).start()
        return thread

    @property
    def warming(self) -> bool:
        """True while start-up preparation runs (a failed one is retried by the next question)."""
        return self._warm_up_thread is not None and self._warm_up_thread.is_alive()

    def wait_for_warm_up(self, timeout: float = WARM_UP_WAIT) -> None:
        """Let a question asked in the first seconds wait for start-up, which on an empty index
        is adding the milestones: answering before would say the index is empty."""
        thread = self._warm_up_thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout)

    def _warm_up(self) -> None:
        try:
            if not self.documents():
                self.ingest_records()
            self.store.embedder.encode(["warm up"])
            self.retriever.keyword_index()
            self.ready = True
            self.startup_error = None
        except Exception as exc:
            self.startup_error = f"{type(exc).__name__}: {exc}"
            log.warning("start-up preparation failed (retried on the next question): %s", exc)

    def ingest_records(self) -> None:
        """The milestones and catalogue records: package data, so no network is needed."""
        try:
            with self.ingesting("adding the programme milestones and catalogue records") as store:
                pipeline = self.pipeline(store)
                for report in (pipeline.ingest_milestones(), pipeline.ingest_catalogue_records()):
                    log.info(report.line())
        except Busy:
            pass  # someone is already ingesting; they will fill the index


def _watch(watching: weakref.ReferenceType[Services]) -> None:
    """Open what another process publishes within a second, and build its keyword index then,
    so that the next question rarely waits for it."""
    while True:
        time.sleep(WATCH_EVERY)
        services = watching()
        if services is None:
            return
        if services.ready:
            try:
                services.snapshot()
            except Exception as exc:  # a server that is down: the status line says so
                log.debug("watching the index: %s", exc)
        del services
