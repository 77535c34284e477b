"""Published generations of an embedded index, so no process opens files another one changes.

Chroma's embedded mode is one process per folder. A reader that keeps its client open while
another process writes answers with "Error finding id" (its HNSW index is older than the shared
SQLite), and one that reopens while a writer rewrites the HNSW files in place can crash
(segmentation fault; both measured, see eval/decisions.md). So a writer works on its own copy,
`index/gN`, and publishes it by replacing the pointer file `index/CURRENT` once it has closed it;
readers open only published generations and hold a shared lock on `index/gN.lock` while they
do, so the writer deletes a generation only when no reader uses it any more.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

POINTER = "CURRENT"
SQLITE = "chroma.sqlite3"


@dataclass(frozen=True)
class Generation:
    number: int
    path: Path


class Lease:
    """A shared lock on one generation: while it is held, no writer deletes that folder."""

    def __init__(self, generation: Generation, fd: int) -> None:
        self.generation = generation
        self._fd: int | None = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the file drops its flock


class Generations:
    """The generations of one data dir. `chroma/`, the single folder of earlier releases, is
    generation 0 until a writer publishes generation 1 from a copy of it."""

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "index"
        self.legacy = Path(data_dir) / "chroma"

    def marker(self) -> str:
        """Changes whenever a generation is published; a file read, cheap enough per question."""
        try:
            return (self.root / POINTER).read_text().strip()
        except FileNotFoundError:
            return "0" if (self.legacy / SQLITE).exists() else ""

    def current(self) -> Generation | None:
        marker = self.marker()
        return self._generation(int(marker)) if marker else None

    def _generation(self, number: int) -> Generation:
        path = self.legacy if number == 0 else self.root / f"g{number:06d}"
        return Generation(number, path)

    def _lock_path(self, number: int) -> Path:
        return self.root / f"g{number:06d}.lock"

    def lease(self) -> Lease | None:
        """The current generation, leased; None while nothing was ever published."""
        while True:
            generation = self.current()
            if generation is None:
                return None
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._lock_path(generation.number), os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(fd, fcntl.LOCK_SH)
            if (generation.path / SQLITE).exists():
                return Lease(generation, fd)
            os.close(fd)  # deleted between reading the pointer and locking: read it again

    # -- writing (only under the writer lock) ----------------------------------------------------

    def left_behind(self) -> Generation | None:
        """The copy of a writer killed before publishing: its documents are whole, so the next
        writer carries on in it rather than losing them."""
        work = self.next_generation()
        return work if (work.path / SQLITE).exists() else None

    def next_generation(self) -> Generation:
        """Where the next writer writes: the folder after the current one."""
        base = self.current()
        return self._generation((base.number if base else 0) + 1)

    def working_copy(self) -> Generation:
        """The folder the next generation is written in: a copy of the current one."""
        base, work = self.current(), self.next_generation()
        if (work.path / SQLITE).exists():
            return work
        tmp = work.path.with_name(work.path.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        if base is not None:
            _copy_index(base.path, tmp)
        else:
            tmp.mkdir(parents=True)
        os.replace(tmp, work.path)  # a half-made copy is never taken for a whole one
        return work

    def publish(self, generation: Generation) -> None:
        tmp = self.root / (POINTER + ".tmp")
        tmp.write_text(f"{generation.number}\n")
        os.replace(tmp, self.root / POINTER)

    def collect(self) -> int:
        """Delete generations older than the current one that no reader leases; how many went.
        Safe from any process at any time: it never touches the current one or newer."""
        current = self.current()
        if current is None:
            return 0
        removed = 0
        for number in range(current.number):
            generation = self._generation(number)
            lock = self._lock_path(number)
            if not generation.path.exists():
                lock.unlink(missing_ok=True)
                continue
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a reader still answers from it; a later collect deletes it
                if not generation.path.exists():
                    continue  # another process collected it meanwhile
                doomed = generation.path.with_name(generation.path.name + ".deleted")
                os.replace(generation.path, doomed)
                lock.unlink(missing_ok=True)
            finally:
                os.close(fd)
            shutil.rmtree(doomed, ignore_errors=True)
            removed += 1
        return removed


def _copy_index(source: Path, target: Path) -> None:
    """Copy a published generation. Its HNSW files are never written again, but a reader's
    Chroma writes a row into its SQLite on start-up, so that file is copied by SQLite's online
    backup, which is consistent whatever other connections do."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(SQLITE, SQLITE + "-*", "*.lock"))
    with (
        contextlib.closing(sqlite3.connect(source / SQLITE)) as src,
        contextlib.closing(sqlite3.connect(target / SQLITE)) as dst,
    ):
        src.backup(dst)
