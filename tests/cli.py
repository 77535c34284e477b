"""`python -m ingest` and `python -m assistant` in process, on the session's model.

A subprocess pays for the process start and the model load on every call; in process a
command sees the same arguments, environment (no ATP_* setting but those given) and working
folder, and its exit code, stdout and stderr come back
as a subprocess's would. An exception the command does not turn into a message is raised
here, where a subprocess would have printed a traceback. A few tests keep the real process.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
import subprocess
from pathlib import Path
from unittest import mock

from click.testing import CliRunner

from vectorstore.client import connect
from vectorstore.embeddings import Embedder, get_embedder
from vectorstore.index import Index
from vectorstore.settings import StoreSettings
from vectorstore.store import Store


@functools.cache
def model(path: str, batch_size: int = 64, backend: str | None = None) -> Embedder:
    """One Embedder per model folder and backend for the whole session (the `embedder`
    fixture's too); the default backend unless one is named, as a user's process would."""
    defaults = StoreSettings.from_env({})
    return get_embedder(backend or defaults.embed_backend, path, batch_size, defaults.model_cache)


def open_store(settings: StoreSettings) -> Store:
    """vectorstore.open_store, but on the session's already loaded model."""
    return Store(
        connect(settings),
        model(settings.embedding_model, settings.embed_batch, settings.embed_backend),
        settings.collection,
    )


def open_index(settings: StoreSettings) -> Index:
    """vectorstore.index.Index, but on the session's already loaded model."""
    return Index(
        settings, model(settings.embedding_model, settings.embed_batch, settings.embed_backend)
    )


def run_cli(
    module: str, args: list[str], cwd: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    """`python -m module args` run in `cwd`, in this process."""
    cli = importlib.import_module(f"{module}.cli")
    clean: dict[str, str | None] = {k: None for k in os.environ if k.startswith("ATP_")}
    seam, fake = (
        ("open_index", open_index) if hasattr(cli, "open_index") else ("open_store", open_store)
    )
    with mock.patch.object(cli, seam, fake), contextlib.chdir(cwd):
        result = CliRunner().invoke(
            cli.cli, args, env={**clean, **env}, prog_name=f"python -m {module}"
        )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(
        [module, *args], result.exit_code, result.stdout, result.stderr
    )
