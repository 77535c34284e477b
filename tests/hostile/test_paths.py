"""Hostile file names and ids through `ingest add`/`sync` and the app's upload handler.

Whatever the name, nothing is written outside the data dir, ids are slugs, stored names are
plain, and listings show titles without control or bidi characters.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

import ingest.cli
from ingest.sources import DOC_ID
from tests.app.conftest import make_services
from tests.hostile.helpers import files_outside, run_module, run_process
from tests.pdf_factory import text_pdf
from ui.library import LibraryHandlers
from vectorstore.embeddings import Embedder
from vectorstore.index import Index

PASSWORD = "hostile-names-admin"
NAMES = {  # as created on disk -> the id it must get
    "evil\nnew line.pdf": "evil-new-line",
    "ctrl\x01\x1b[31mred\x7f.pdf": "ctrl-31mred",
    "invoice\u202efdp.exe.pdf": "invoice-fdp-exe",
    "x" * 240 + ".pdf": "x" * 80,
    "..pdf": "document",
    "CON.pdf": "con",
    ".hidden.pdf": "hidden",
    "$(touch pwned); rm -rf ~.pdf": "touch-pwned-rm-rf",
    "%2e%2e%2f%2e%2e%2fescape.pdf": "2e-2e-2f-2e-2e-2fescape",
    "..\\..\\windows\\evil.pdf": "windows-evil",
}
UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> bool:
    return not any(unicodedata.category(c)[0] == "C" for c in text)


def report_pdf(path: Path, n: int) -> Path:
    """A small PDF without metadata title, so the title must come from the file name."""
    sentence = f"Report number {n} counted {100 + n} presumed victims referred to shelters."
    return text_pdf(path, [f"Report {n}", f"Findings\n{sentence}"])


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, embedder: Embedder):
    """`python -m ingest` in-process on the session's model (a subprocess reloads it each time)."""
    monkeypatch.setattr(ingest.cli, "open_index", lambda s: Index(s, embedder))

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(ingest.cli.cli, list(args))
        return result.exit_code, result.output

    return run


@pytest.mark.timeout(300)
def test_ingest_add_with_hostile_file_names(tmp_path: Path, cli) -> None:
    data_dir = tmp_path / "data"
    folder = tmp_path / "names"
    folder.mkdir()
    paths = {name: report_pdf(folder / name, n) for n, name in enumerate(NAMES)}
    outside = files_outside(tmp_path, data_dir)

    for name, path in paths.items():
        code, out = cli("--data-dir", str(data_dir), "add", str(path))
        assert code == 0, (name, out)
        assert f"added    {NAMES[name]} (2 pages" in out

    code, out = cli("--data-dir", str(data_dir), "list", "--json")
    docs = {d["id"]: d for d in json.loads(out)}
    assert set(docs) == set(NAMES.values())
    assert all(DOC_ID.fullmatch(doc_id) for doc_id in docs)
    titles = [d["title"] for d in docs.values()]
    assert all(printable(t) and t == t.strip() for t in titles), titles
    assert docs["invoice-fdp-exe"]["title"] == "Invoicefdp.exe"
    assert docs["document"]["title"] == "Untitled document"
    code, table = cli("--data-dir", str(data_dir), "list")
    assert not UNSAFE_CHARS.search(table.replace("\n", " "))
    assert files_outside(tmp_path, data_dir) == outside
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()
    for copy in (data_dir / "library").iterdir():
        assert DOC_ID.fullmatch(copy.name.split(".")[0]) and copy.suffix == ".pdf"


@pytest.mark.parametrize(
    "doc_id", ["../../escape", "/tmp/escape", "a/b", "..", "Evil", "bad\nid", "x" * 121]
)
def test_an_id_that_could_name_a_path_is_a_usage_error(tmp_path: Path, cli, doc_id: str) -> None:
    data_dir = tmp_path / "data"
    pdf = report_pdf(tmp_path / "r.pdf", 1)
    outside = files_outside(tmp_path, data_dir)

    code, out = cli("--data-dir", str(data_dir), "add", str(pdf), "--id", doc_id)

    assert code == 2 and "not a usable document id" in out and "--id" in out
    assert not data_dir.exists()
    assert files_outside(tmp_path, data_dir) == outside


def test_remove_with_a_path_as_id_touches_nothing(tmp_path: Path, cli) -> None:
    data_dir = tmp_path / "data"
    assert (
        cli("--data-dir", str(data_dir), "-q", "add", str(report_pdf(tmp_path / "r.pdf", 1)))[0]
        == 0
    )
    before = files_outside(tmp_path, data_dir)
    copies = sorted((data_dir / "library").iterdir())

    code, out = cli("--data-dir", str(data_dir), "remove", "../../r")

    assert code == 1 and "no such document" in out
    assert sorted((data_dir / "library").iterdir()) == copies
    assert files_outside(tmp_path, data_dir) == before


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_ingest_sync_subprocess_with_hostile_file_names(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    folder = tmp_path / "names"
    folder.mkdir()
    for n, name in enumerate(NAMES):
        report_pdf(folder / name, n)
    (folder / "sub").mkdir()
    report_pdf(folder / "sub" / "CON.pdf", 99)  # slugs alike: made unique, not replaced
    outside = files_outside(tmp_path, data_dir)

    synced = run_process("ingest", ["--data-dir", str(data_dir), "sync", str(folder)], tmp_path)
    listed = run_module("ingest", ["--data-dir", str(data_dir), "list", "--json"], tmp_path)

    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert not UNSAFE_CHARS.search(synced.stdout.replace("\n", " "))
    docs = json.loads(listed.stdout)
    assert len(docs) == len(NAMES) + 1
    assert all(DOC_ID.fullmatch(d["id"]) and printable(d["title"]) for d in docs)
    assert files_outside(tmp_path, data_dir) == outside


# -- the app's upload handler ---------------------------------------------------------------


def test_upload_handler_with_hostile_file_names(tmp_path: Path, embedder: Embedder) -> None:
    data_dir = tmp_path / "data"
    services = make_services(data_dir, embedder, admin_password=PASSWORD)
    cache = tmp_path / "gradio-cache"  # Gradio keeps each upload under the name the browser sent
    cache.mkdir()
    files = [str(report_pdf(cache / name, n)) for n, name in enumerate(NAMES)]
    files.append(str(cache / "nul\x00byte.pdf"))  # no file can have it; the handler must say so
    outside = files_outside(tmp_path, data_dir)

    result = LibraryHandlers(services).upload(files, password=PASSWORD)

    assert "nul\ufffdbyte.pdf: cannot read the upload" in result
    assert not UNSAFE_CHARS.search(result), result
    stored = sorted(p.name for p in services.uploads_dir.iterdir())
    assert len(stored) == len(NAMES)
    for name in stored:
        assert printable(name) and not name.startswith(".") and name.endswith(".pdf")
        assert len(name) <= 120 and "/" not in name and "\\" not in name
    assert {d.id for d in services.documents()} == {
        "evil-new-line",
        "ctrl-31mred",
        "invoice-fdp-exe",
        "x" * 80,
        "upload",
        "con",
        "hidden",
        "touch-pwned-rm-rf",
        "2e-2e-2f-2e-2e-2fescape",
        "evil",
    }
    assert all(printable(d.title) for d in services.documents())
    assert not UNSAFE_CHARS.search(LibraryHandlers(services).table())
    assert files_outside(tmp_path, data_dir) == outside
    for path in data_dir.rglob("*"):
        assert path.resolve().is_relative_to(data_dir.resolve())
