"""One writer per data dir: an flock'd file that also says who holds it, so the one that waits
(or is refused) can name the running ingest.

flock locks belong to an open file, so two threads of one process exclude each other as two
processes do, and the kernel drops the lock when its holder dies: a killed ingest blocks no one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from vectorstore.errors import IndexBusy

LOCK_FILE = "ingest.lock"


def this_command() -> str:
    """How the running process was started, as a user would recognise it."""
    argv = list(sys.argv)
    if argv and argv[0].endswith("__main__.py"):
        argv[0] = f"python -m {Path(argv[0]).parent.name}"
    return " ".join(argv)


class WriterLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_FILE

    def holder(self) -> str | None:
        """Who writes now, in words; None when no live process holds the lock."""
        try:
            info = json.loads(self.path.read_text() or "null")
        except (OSError, ValueError):
            return None
        if not isinstance(info, dict) or not _alive(int(info.get("pid", 0))):
            return None
        return (
            f"`{info.get('command', '?')}` (pid {info.get('pid')}, started {info.get('started')})"
        )

    def _holder_soon(self, within: float = 2.0) -> str:
        """The holder's name, waiting briefly: it takes the lock a moment before it writes it."""
        deadline = time.monotonic() + within
        while (holder := self.holder()) is None and time.monotonic() < deadline:
            time.sleep(0.02)
        return holder or "another ingest"

    @contextlib.contextmanager
    def held(
        self,
        wait: bool = True,
        on_wait: Callable[[str], None] | None = None,
        command: str | None = None,
    ) -> Iterator[None]:
        """Hold the lock for the block. Busy: wait (telling `on_wait` whom for) or raise IndexBusy."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = self._holder_soon()
                if not wait:
                    raise IndexBusy(
                        f"another ingest is writing the index in {self.path.parent}: {holder}; "
                        "nothing was changed",
                        holder,
                    ) from None
                if on_wait is not None:
                    on_wait(holder)
                fcntl.flock(fd, fcntl.LOCK_EX)
            started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            info = {"pid": os.getpid(), "command": command or this_command(), "started": started}
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(info).encode(), 0)
            try:
                yield
            finally:
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
