"""Uploaded files -> PDFs under DATA_DIR/uploads with safe names, or a reason they were refused.

A file is checked (size, %PDF- signature) before anything is written; a file that replaces an
earlier upload of the same name is kept aside until its ingest succeeds, so a broken upload
changes nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ingest.download import remove_stale_temp_files, temp_file

PDF_SIGNATURE = b"%PDF-"
MAX_NAME = 120
_UNSAFE = re.compile(r"[^\w.\- ]+")  # \w is Unicode-aware: accented titles stay readable


class UploadRefused(ValueError):
    """The file is not stored; the message says why, naming the file."""


def safe_name(name: str) -> str:
    """A plain file name: no folders, no control characters, no leading dot, ending in .pdf."""
    name = unicodedata.normalize("NFKC", name or "")
    name = re.split(r"[/\\]", name)[-1]  # a browser may send a Windows or Unix path
    name = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in name)
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    stem = _UNSAFE.sub("_", stem).strip(" ._-")
    stem = re.sub(r"\s+", " ", stem)[: MAX_NAME - 4].rstrip(" ._-")
    return f"{stem or 'upload'}.pdf"


def shown(name: str) -> str:
    """A name as a message may show it: control and bidi characters replaced, length capped."""
    name = "".join("\ufffd" if unicodedata.category(c)[0] == "C" else c for c in name)
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"


def check_pdf(path: Path, name: str, max_bytes: int) -> None:
    """Refuse what is too big or does not start like a PDF (the name says nothing)."""
    name = shown(name)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(1024)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        reason = getattr(exc, "strerror", None) or exc
        raise UploadRefused(f"{name}: cannot read the upload ({reason})") from exc
    if size > max_bytes:
        raise UploadRefused(
            f"{name}: {size / 1048576:.1f} MB is over the {max_bytes // 1048576} MB limit "
            "(ATP_MAX_DOWNLOAD_MB)"
        )
    if size == 0:
        raise UploadRefused(f"{name}: the file is empty")
    if PDF_SIGNATURE not in head:
        raise UploadRefused(f"{name}: not a PDF (it does not start with %PDF-)")


@dataclass
class Staged:
    """An upload copied to its final place; `undo()` puts back what was there before."""

    path: Path
    backup: Path | None

    def commit(self) -> None:
        if self.backup is not None:
            self.backup.unlink(missing_ok=True)

    def undo(self) -> None:
        if self.backup is not None:
            os.replace(self.backup, self.path)
        else:
            self.path.unlink(missing_ok=True)


def stage(source: Path, folder: Path, name: str) -> Staged:
    """Copy `source` into `folder` as `safe_name(name)`, atomically; never outside `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    folder = folder.resolve()
    target = (folder / safe_name(name)).resolve()
    if target.parent != folder:  # cannot happen after safe_name; checked all the same
        raise UploadRefused(f"{shown(name)}: not a usable file name")
    backup = None
    remove_stale_temp_files(folder)  # left by an app killed mid-copy
    fd, tmp = temp_file(folder, "upload")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        if target.exists():
            backup = target.with_name(f".{target.name}.previous")
            os.replace(target, backup)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return Staged(target, backup)
