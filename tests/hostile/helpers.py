"""What the hostile-input tests share: the entry points (in process, or as real processes) and
file snapshots."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from tests.cli import run_cli
from vectorstore.client import connect
from vectorstore.embeddings import Embedder
from vectorstore.settings import StoreSettings
from vectorstore.store import Store

ROOT = Path(__file__).resolve().parents[2]


def store_at(data_dir: Path, embedder: Embedder) -> Store:
    """An embedded store in `data_dir` on the session's model."""
    return Store(connect(StoreSettings.from_env({}, data_dir=data_dir)), embedder)


def files_outside(parent: Path, data_dir: Path) -> dict[str, str]:
    """Every file under `parent` but outside `data_dir`, with a hash of its bytes.

    Compared before and after an action, it shows that nothing outside the data dir was
    written, changed or removed.
    """
    data_dir = data_dir.resolve()
    found = {}
    for path in parent.resolve().rglob("*"):
        if path.is_file() and not path.is_relative_to(data_dir):
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def run_module(
    module: str, args: list[str], cwd: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    """`python -m module args` in process on the session's model (see tests/cli.py)."""
    return run_cli(module, args, cwd, **env)


def run_process(
    module: str, args: list[str], cwd: Path, timeout: float = 300, **env: str
) -> subprocess.CompletedProcess[str]:
    """`python -m module args` as a user runs it, with no ATP_* settings but those given.

    PYTHONPATH names this checkout, so another folder's installed copy is never imported.
    """
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ATP_")}
    path = os.pathsep.join(p for p in (str(ROOT), clean.get("PYTHONPATH", "")) if p)
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**clean, "PYTHONPATH": path, **env},
        timeout=timeout,
    )
