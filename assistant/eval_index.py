"""The evaluation's corpus index, built once per machine and reused while nothing that shapes
it changes: ~/.cache/atp-eval/<key>/, outside the checkout, so a fresh clone finds it too.

The key hashes the corpus files, the code and data of `ingest` and `vectorstore`, the
embedding model's files, the versions of the libraries that parse and embed, and every
setting but those that only say where the index lives or how fast it is built (so a setting
added later is part of the key unless it is listed here).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import shutil
import time
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path

import click

DEFAULT_CACHE = Path("~/.cache/atp-eval").expanduser()
ROOT = Path(__file__).resolve().parents[1]
# Where the index is, how it is reached, how big a batch or download may be: not what it holds.
PLACE_AND_PACE = {
    "data_dir",
    "chroma_mode",
    "chroma_host",
    "chroma_port",
    "collection",
    "embed_batch",
    "max_download_mb",
    "download_timeout",
    "download_retries",
}
LIBRARIES = ("pypdf", "chromadb", "sentence-transformers", "transformers", "torch", "onnxruntime")
COMPLETE = "complete"


def index_key(corpus: Path, *settings: object) -> str:
    """A short hash of everything that decides the corpus index's chunks and vectors."""
    digest = hashlib.sha256()

    def add(label: str, value: str | bytes) -> None:
        digest.update(label.encode() + b"\x00")
        digest.update(value if isinstance(value, bytes) else value.encode())
        digest.update(b"\x00")

    for path in sorted(corpus.rglob("*.pdf")):
        add(f"corpus:{path.relative_to(corpus)}", _file_hash(path))
    for package in ("ingest", "vectorstore"):
        for path in sorted((ROOT / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                add(f"code:{path.relative_to(ROOT)}", _file_hash(path))
    for obj in settings:
        for field in dataclasses.fields(obj):  # type: ignore[arg-type]
            if field.name in PLACE_AND_PACE:
                continue
            value = getattr(obj, field.name)
            if field.name == "embedding_model":
                value = _folder_hash(Path(value)) if Path(value).is_dir() else value
            add(f"setting:{field.name}", repr(value))
    for library in LIBRARIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            add(f"library:{library}", metadata.version(library))
    return digest.hexdigest()[:16]


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _folder_hash(folder: Path) -> str:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return hashlib.sha256(
        "".join(f"{p.relative_to(folder)}={_file_hash(p)};" for p in files).encode()
    ).hexdigest()


@contextlib.contextmanager
def cached_index(
    key: str, build: Callable[[Path], None], cache: Path = DEFAULT_CACHE
) -> Iterator[Path]:
    """Yields the data dir for `key`, built by `build(data_dir)` if no complete one exists.

    A lock file serialises builders and keeps readers off a half-built index; an index a
    crashed run left incomplete is removed and built again.
    """
    folder = cache / key
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / f"{key}.lock").open("a+") as lock:
        # Readers share the lock; a builder holds it alone, so nobody reads a half-built index.
        fcntl.flock(lock, fcntl.LOCK_SH)
        if not (folder / COMPLETE).exists():
            fcntl.flock(lock, fcntl.LOCK_UN)  # two readers upgrading at once would deadlock
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (folder / COMPLETE).exists():  # nobody built it while we waited
                shutil.rmtree(folder, ignore_errors=True)
                started = time.perf_counter()
                click.echo(f"index: building {folder} (once for this key)", err=True)
                build(folder / "data")
                elapsed = time.perf_counter() - started
                (folder / COMPLETE).write_text(f"built in {elapsed:.0f} s\n")
            fcntl.flock(lock, fcntl.LOCK_SH)
        else:
            click.echo(f"index: reusing {folder}", err=True)
        yield folder / "data"
