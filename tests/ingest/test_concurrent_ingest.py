"""Two `python -m ingest` processes started at the same moment on one data dir: one waits for
the other (or, with --no-wait, is refused) and says whose run it is; the index ends exactly as
one clean ingest of the same files leaves it. Embedded and on a `chroma run` server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from ingest.sources import from_folder
from tests.pdf_factory import text_pdf
from tests.vectorstore.chroma_server import ChromaServer
from vectorstore.embeddings import Embedder
from vectorstore.index import Index
from vectorstore.settings import StoreSettings

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
WAITING = "Waiting for the ingest already running on"


def pdfs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(3):
        pages = [
            f"Report {n}, page {p}. Labour inspectors visited {n * 40 + p} farms in district "
            f"{p} and referred {n + p} presumed victims to the shelter. " * 8
            for p in range(1, 13)
        ]
        text_pdf(folder / f"report-{n}.pdf", pages, title=f"Report {n}")
    return folder


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.server)])
def env(request, tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATP_")}
    if request.param == "server":
        server = ChromaServer(tmp_path / "server-db").start()
        env.update(
            ATP_CHROMA_MODE="server",
            ATP_CHROMA_HOST=server.host,
            ATP_CHROMA_PORT=str(server.port),
            ATP_COLLECTION="twice",
        )
        try:
            yield env
        finally:
            server.stop()
    else:
        yield env


def start(data_dir: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ingest", "--data-dir", str(data_dir), "-q", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )


def clean_counts(folder: Path, tmp_path: Path, embedder: Embedder) -> dict[str, int]:
    """What one ingest of the folder into an empty embedded index gives."""
    data_dir = tmp_path / "clean"
    index = Index(StoreSettings.from_env({}, data_dir=data_dir), embedder)
    with index.writer() as store:
        assert (
            not Pipeline(store, IngestSettings.from_env({}), data_dir)
            .ingest(from_folder(folder))
            .failures
        )
    return index.reader().counts()


def test_two_ingests_at_once_leave_one_clean_index(
    env: dict[str, str], tmp_path: Path, embedder: Embedder
) -> None:
    folder = pdfs(tmp_path / "pdfs")
    data_dir = tmp_path / "data"

    first = start(data_dir, env, "add", str(folder))
    second = start(data_dir, env, "add", str(folder))
    outputs = [p.communicate(timeout=600)[0] for p in (first, second)]

    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    waited = [o for o in outputs if WAITING in o]
    assert len(waited) == 1, outputs  # exactly one of them waited, and said for whom
    other = first if waited[0] is outputs[1] else second
    assert f"(pid {other.pid}, started" in waited[0]
    assert "python -m ingest --data-dir" in waited[0] and "add" in waited[0]
    assert "3 added" in "".join(outputs) and "3 unchanged" in waited[0]
    settings = StoreSettings.from_env(env, data_dir=data_dir)
    counts = Index(settings, embedder).reader().counts()
    clean = clean_counts(folder, tmp_path, embedder)
    assert counts["chunks"] == counts["stored_chunks"] == clean["chunks"] > 0
    assert counts["documents"] == clean["documents"] == 3
    print(f"\n{settings.chroma_mode}: {counts['chunks']} chunks, as a clean ingest")


def test_no_wait_is_refused_naming_the_running_ingest(
    env: dict[str, str], tmp_path: Path, embedder: Embedder
) -> None:
    folder = pdfs(tmp_path / "pdfs")
    data_dir = tmp_path / "data"
    first = start(data_dir, env, "add", str(folder))
    lock = data_dir / "ingest.lock"
    while not (lock.exists() and lock.read_text()):
        assert first.poll() is None, first.communicate()[0]

    refused = start(data_dir, env, "remove", "--no-wait", "report-0")
    said = refused.communicate(timeout=300)[0]
    output = first.communicate(timeout=600)[0]

    assert refused.returncode == 3, said
    assert "another ingest is writing the index" in said and "nothing was changed" in said
    assert f"(pid {first.pid}, started" in said
    assert first.returncode == 0 and "3 added" in output
    settings = StoreSettings.from_env(env, data_dir=data_dir)
    assert {d.id for d in Index(settings, embedder).reader().documents()} == {
        "report-0",
        "report-1",
        "report-2",
    }
