"""One data dir's index as several processes share it: any number of readers, one writer.

Readers get a Store on a snapshot and ask `marker()` before each question, opening a new
snapshot only when it moved. A writer holds the data dir's writer lock for its whole run.
Embedded, the writer writes a copy that becomes the next published generation when it is done
(see `generations`), so readers see a run's changes all at once, after it. On a Chroma server,
which serialises every access itself, readers and the writer share the live collections and
each document's record is its commit point; the marker never moves there, and what readers
cache follows the committed versions instead.
"""

from __future__ import annotations

import contextlib
import logging
import weakref
from collections.abc import Callable, Iterator

from chromadb.api import ClientAPI

from vectorstore.client import close, connect
from vectorstore.embeddings import Embedder, get_embedder
from vectorstore.errors import StoreError
from vectorstore.generations import Generation, Generations, Lease
from vectorstore.lock import WriterLock
from vectorstore.settings import StoreSettings
from vectorstore.store import Store

log = logging.getLogger("atp.index")


def _read_only() -> ClientAPI:
    raise StoreError(
        "this is a read-only view of the index; write through Index.writer(), which takes "
        "the data dir's writer lock"
    )


class Index:
    def __init__(self, settings: StoreSettings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or get_embedder(
            settings.embed_backend,
            settings.embedding_model,
            settings.embed_batch,
            settings.model_cache,
        )
        self.lock = WriterLock(settings.data_dir)
        self.generations = Generations(settings.data_dir)

    @property
    def embedded(self) -> bool:
        return self.settings.chroma_mode != "server"

    def marker(self) -> str:
        """Moves when a writer publishes; compare before each question, reopen when it moved."""
        return self.generations.marker() if self.embedded else "server"

    def running_ingest(self) -> str | None:
        """Who is writing this data dir right now, in words (for status lines)."""
        return self.lock.holder()

    def reader(self) -> Store:
        """A read-only Store on the published index as it is now, unaffected by later writes."""
        if not self.embedded:
            return Store(
                connect(self.settings), self.embedder, self.settings.collection, _read_only
            )
        store, _ = self._snapshot(_read_only)
        return store

    def _snapshot(self, copy_on_write: Callable[[], ClientAPI]) -> tuple[Store, weakref.finalize]:
        """A Store on the leased current generation. The lease and the client go with the Store
        (when the last question lets go of it), or earlier by calling the returned finalizer."""
        lease = self.generations.lease()
        client = connect(self.settings, lease.generation.path) if lease else None
        store = Store(client, self.embedder, self.settings.collection, copy_on_write)
        return store, weakref.finalize(store, _close, client, lease)

    @contextlib.contextmanager
    def writer(
        self,
        wait: bool = True,
        on_wait: Callable[[str], None] | None = None,
        command: str | None = None,
    ) -> Iterator[Store]:
        """The only Store that writes. Holds the writer lock (waiting, or raising IndexBusy
        with `wait=False`); embedded, what it wrote is published when the block ends, even
        by an error, since every document in it is whole (see `store`)."""
        with self.lock.held(wait, on_wait, command):
            if not self.embedded:
                yield Store(connect(self.settings), self.embedder, self.settings.collection)
                return
            yield from self._write_generation()

    def _write_generation(self) -> Iterator[Store]:
        generations = self.generations
        generations.collect()
        opened: list[tuple[Generation, ClientAPI]] = []

        def open_copy() -> ClientAPI:
            work = generations.working_copy()
            client = connect(self.settings, work.path)
            opened.append((work, client))
            return client

        release = None
        if generations.left_behind() is not None:
            log.info("carrying on in the copy left by an ingest that was stopped")
            store = Store(open_copy(), self.embedder, self.settings.collection)
        else:
            # Nothing is copied until the first write: a run that changes nothing costs nothing.
            store, release = self._snapshot(open_copy)
        store.deferred = []
        try:
            yield store
        finally:
            if opened:
                work, client = opened[0]
                close(client)  # flushes the HNSW files: the copy is whole from here on
                generations.publish(work)
                for action in store.deferred:
                    _run_deferred(action)
            if release is not None:
                release()  # the generation it started from, so that `collect` may delete it
            if opened:
                generations.collect()


def _run_deferred(action: Callable[[], None]) -> None:
    try:
        action()
    except Exception as exc:  # what was written is published; tidying up must not undo that
        log.warning("a step after publishing the index failed: %s", exc)


def _close(client: ClientAPI | None, lease: Lease | None) -> None:
    try:
        if client is not None:
            close(client)
    except Exception as exc:  # closing at garbage collection must never raise
        log.warning("closing an index snapshot failed: %s", exc)
    if lease is not None:
        lease.release()
