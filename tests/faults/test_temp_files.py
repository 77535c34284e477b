"""Temp files of writers killed mid-file (download cache, library copies) are swept by the
next run, while those of a writer that is still alive are left alone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.download import STALE_TEMP_SECONDS, remove_stale_temp_files, temp_file
from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from vectorstore.client import connect
from vectorstore.embeddings import Embedder
from vectorstore.settings import StoreSettings
from vectorstore.store import Store


def dead_pid() -> int:
    """The PID of a process that has exited (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def touch(path: Path, age: float = 0.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.7 half a file")
    if age:
        then = time.time() - age
        os.utime(path, (then, then))
    return path


def test_temp_names_carry_the_writer_pid(tmp_path: Path) -> None:
    fd, path = temp_file(tmp_path, "download")
    os.close(fd)
    assert path.name.startswith(f".download-{os.getpid()}-") and path.suffix == ".part"
    assert remove_stale_temp_files(tmp_path) == 0  # ours, and we are alive
    assert path.exists()


def test_a_run_sweeps_what_killed_writers_left(
    tmp_path: Path, atp_data_dir: Path, embedder: Embedder
) -> None:
    dead, alive = dead_pid(), os.getppid()
    library, downloads = atp_data_dir / "library", atp_data_dir / "downloads"
    abandoned = [
        touch(downloads / f".download-{dead}-abc123.part"),
        touch(library / f".copy-{dead}-def456.part"),
        touch(library / "tmpk3j4l5.part", age=STALE_TEMP_SECONDS + 60),  # before PIDs in names
    ]
    in_use = [
        touch(downloads / f".download-{alive}-ghi789.part"),  # another live process writes it
        touch(library / "tmpz9y8x7.part"),  # no PID, but too fresh to call abandoned
    ]
    kept = touch(library / "report.0123456789abcdef.pdf")
    store = Store(connect(StoreSettings.from_env({}, data_dir=atp_data_dir)), embedder)

    Pipeline(store, IngestSettings.from_env({}), atp_data_dir).ingest([])

    assert [p.exists() for p in abandoned] == [False] * 3
    assert [p.exists() for p in in_use] == [True] * 2
    assert kept.exists()


@pytest.mark.parametrize("folder", ["missing", "file"])
def test_sweeping_a_missing_folder_is_a_no_op(tmp_path: Path, folder: str) -> None:
    target = tmp_path / folder
    if folder == "file":
        target.write_text("not a folder")
    assert remove_stale_temp_files(target) == 0
