"""`python -m ingest`: commands, JSON output and exit codes 0/1/2.

In process on the session's model (tests/cli.py); two indexes written side by side is the
real entry point, twice at once, in subprocesses.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pypdf
import pytest

from tests import pdf_factory
from tests.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
TEXT = {
    "alpha": "Recruiters promised work in hotels abroad and confiscated passports on arrival.",
    "beta": "Labour inspectors found seasonal workers sleeping in containers on farms.",
    "gamma": "Brokers advertised kidney donations in newspapers and paid less than promised.",
}
SUMMARY_FIELDS = {"id", "title", "year", "kind", "pages", "chunks", "content_hash"}


def start_ingest(args: list[str], cwd: Path, **env: str) -> subprocess.Popen[str]:
    """The real entry point with no ATP_* settings but those given; PYTHONPATH names this
    checkout, since from another folder `-m ingest` could import an installed copy."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ATP_")}
    path = os.pathsep.join(p for p in (str(ROOT), clean.get("PYTHONPATH", "")) if p)
    return subprocess.Popen(
        [sys.executable, "-m", "ingest", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env={**clean, "PYTHONPATH": path, **env},
    )


def run_ingest(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return run_cli("ingest", args, cwd, **env)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def make_pdf(folder: Path, name: str, pages: int = 2) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    texts = [" ".join([f"Page {p}. {TEXT[name]}"] * 5) for p in range(1, pages + 1)]
    return pdf_factory.text_pdf(folder / f"{name}.pdf", texts)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(data_dir: Path, cwd: Path) -> list[dict[str, Any]]:
    return json.loads(ok(run_ingest(["--data-dir", str(data_dir), "list", "--json"], cwd)))


def test_add_list_status_remove_sync(tmp_path: Path) -> None:
    data = tmp_path / "index"
    folder = tmp_path / "pubs"
    paths = {name: make_pdf(folder, name, pages=2) for name in ("alpha", "beta", "gamma")}

    out = ok(run_ingest(["--data-dir", str(data), "add", str(folder)], tmp_path))
    assert "added    alpha (2 pages, " in out
    assert out.strip().splitlines()[-1].startswith("3 added in ")

    docs = listing(data, tmp_path)
    assert [d["id"] for d in docs] == ["alpha", "beta", "gamma"]
    for doc in docs:
        assert set(doc) >= SUMMARY_FIELDS
        assert doc["content_hash"] == sha256(paths[doc["id"]])
        # No year in the name nor the text: the PDF's creation date (fpdf2 writes today's).
        created = int(str(pypdf.PdfReader(paths[doc["id"]]).metadata["/CreationDate"])[2:6])
        assert (doc["kind"], doc["pages"], doc["year"]) == ("publication", 2, created)
        assert doc["year_basis"] == "the PDF's metadata (creation date)"
        assert doc["title"] == doc["id"].capitalize()
        assert doc["chunks"] >= 1
    total_chunks = sum(d["chunks"] for d in docs)

    status = json.loads(ok(run_ingest(["status", "--json", "--data-dir", str(data)], tmp_path)))
    assert status["totals"]["documents"] == 3
    assert status["totals"]["milestones"] == 0
    assert status["totals"]["chunks"] == status["totals"]["stored_chunks"] == total_chunks
    assert status["data_dir"] == str(data.resolve())
    assert status["chroma"] == f"embedded {(data / 'index' / 'g000001').resolve()} (generation 1)"
    assert status["chunking"] == "chunks=900/150"

    out = ok(run_ingest(["--data-dir", str(data), "remove", "alpha"], tmp_path))
    assert out.strip() == "removed  alpha"
    again = run_ingest(["--data-dir", str(data), "remove", "alpha"], tmp_path)
    assert again.returncode == 1
    assert "alpha: no such document in the index (see `list`)" in again.stderr

    paths["alpha"].unlink()
    paths["gamma"].unlink()
    out = ok(run_ingest(["--data-dir", str(data), "sync", str(folder)], tmp_path))
    lines = out.strip().splitlines()
    assert lines[0].startswith("unchanged beta (2 pages, ")
    assert lines[1] == "removed  gamma"
    assert lines[2].startswith("1 unchanged, 1 removed in ")
    assert [d["id"] for d in listing(data, tmp_path)] == ["beta"]


def test_a_failed_document_exits_1(tmp_path: Path) -> None:
    broken = pdf_factory.corrupt_pdf(tmp_path / "broken.pdf")
    result = run_ingest(["--data-dir", str(tmp_path / "index"), "add", str(broken)], tmp_path)

    assert result.returncode == 1
    assert "FAILED   broken: the PDF structure cannot be parsed" in result.stdout
    assert "1 failed in " in result.stdout
    assert "1 document(s) not ingested: broken" in result.stderr
    assert listing(tmp_path / "index", tmp_path) == []


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["status"], {"ATP_CHUNK_SIZE": "abc"}, "ATP_CHUNK_SIZE='abc' is not valid"),
        (["list"], {"ATP_CHUNK_SIZE": "50"}, "ATP_CHUNK_SIZE=50 is not valid: expected at least"),
        (["status"], {"ATP_CHROMA_MODE": "cloud"}, "ATP_CHROMA_MODE='cloud' is not valid"),
        (["add", "--bogus", "x.pdf"], {}, "No such option '--bogus'"),
        (["add", "no-such-file.pdf"], {}, "is neither a file, a folder nor an http(s) URL"),
        (["frobnicate"], {}, "No such command 'frobnicate'"),
    ],
    ids=["chunk-size-text", "chunk-size-small", "chroma-mode", "option", "target", "command"],
)
def test_usage_and_configuration_errors_exit_2(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    result = run_ingest(["--data-dir", str(tmp_path / "index"), *args], tmp_path, **env)

    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_server_is_a_one_line_error(tmp_path: Path) -> None:
    from tests.processes import free_port

    port = free_port()
    result = run_ingest(["list"], tmp_path, ATP_CHROMA_MODE="server", ATP_CHROMA_PORT=str(port))
    assert result.returncode == 1
    assert f"cannot reach the Chroma server at 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_refresh_picks_up_a_publication_changed_at_its_url(tmp_path: Path) -> None:
    from tests.http_site import Reply, Site

    old = make_pdf(tmp_path / "v1", "alpha").read_bytes()
    new = make_pdf(tmp_path / "v2", "beta").read_bytes()
    site = Site()
    try:
        url = site.serve("/pubs/alpha.pdf", Reply(old), Reply(new))
        add = ["--data-dir", str(tmp_path / "index"), "add", url]
        direct = {"no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"}  # a developer's proxy
        assert ok(run_ingest(add, tmp_path, **direct)).startswith("added    alpha (2 pages, ")
        # Changed on the server, but a plain re-run reads the cached copy: nothing to do.
        assert ok(run_ingest(add, tmp_path, **direct)).startswith("unchanged alpha (2 pages, ")
        assert site.hits["/pubs/alpha.pdf"] == 1
        out = ok(run_ingest([*add, "--refresh"], tmp_path, **direct))
        assert out.startswith("replaced alpha (2 pages, "), out
        assert site.hits["/pubs/alpha.pdf"] == 2
        [doc] = listing(tmp_path / "index", tmp_path)
        assert doc["content_hash"] == hashlib.sha256(new).hexdigest()
    finally:
        site.stop()


@pytest.mark.slow
@pytest.mark.timeout(300)  # two processes that each load torch and the model, at once
def test_two_data_dirs_stay_independent(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    alpha = make_pdf(tmp_path / "a", "alpha")
    beta = make_pdf(tmp_path / "b", "beta", pages=3)

    # Both at once: two indexes side by side must not even notice each other's writes. The
    # second one is chosen through ATP_DATA_DIR, with every option of `add`.
    runs = [
        start_ingest(["--data-dir", str(first), "add", str(alpha)], tmp_path),
        start_ingest(
            [
                *("add", str(beta), "--title", "Beta Study", "--year", "2015"),
                *("--type", "study", "--id", "custom-id", "-q"),
            ],
            tmp_path,
            ATP_DATA_DIR=str(second),
        ),
    ]
    outputs = []
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, out + err
        outputs.append(out.strip().splitlines())
    assert outputs[0][0].startswith("added    alpha (2 pages, ")
    assert len(outputs[1]) == 1 and outputs[1][0].startswith("1 added in ")  # -q: summary only

    [a] = listing(first, tmp_path)
    [b] = listing(second, tmp_path)
    assert (a["id"], a["pages"], a["content_hash"]) == ("alpha", 2, sha256(alpha))
    assert (b["id"], b["title"], b["year"], b["type"], b["pages"]) == (
        "custom-id",
        "Beta Study",
        2015,
        "study",
        3,
    )
    assert b["content_hash"] == sha256(beta)
    assert not (tmp_path / "data").exists()  # nothing fell back to ./data
