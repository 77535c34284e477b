"""Access: refused admin actions change no file, uploads stay capped and inside the data dir,
and the real app listens on loopback only. (tests/app/test_library.py covers the messages.)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.app.conftest import make_services
from tests.hostile.helpers import ROOT, files_outside
from tests.pdf_factory import text_pdf
from tests.processes import free_port, stop
from ui.library import LibraryHandlers
from ui.services import Services
from vectorstore.embeddings import Embedder

PASSWORD = "access-admin-secret"


def tree(folder: Path) -> dict[str, tuple[int, int] | int]:
    """Every file under `folder` with its size and modification time; inside a published index
    generation only which files there are, since Chroma rewrites its SQLite and HNSW files each
    time a reader opens and closes a folder (measured on 1.5.9: three bare open-query-close
    rounds changed the bytes three times). What the index holds is compared by `contents`."""
    files: dict[str, tuple[int, int] | int] = {}
    for p in folder.rglob("*"):
        if not p.is_file():
            continue
        name = str(p.relative_to(folder))
        inside = p.relative_to(folder).parts[:2]
        chroma_own = len(inside) == 2 and inside[0] == "index" and inside[1].startswith("g")
        if chroma_own and len(p.relative_to(folder).parts) == 2 and p.suffix == ".lock":
            continue  # a reader's lease on a generation: there while any reader holds it
        files[name] = 0 if chroma_own else (p.stat().st_size, p.stat().st_mtime_ns)
    return files


def contents(services: Services) -> tuple[str, list[tuple[str, str]], dict[str, int], list[str]]:
    """What a reader of the index sees: the published generation, every document's id and
    version, the counts and every chunk's text."""
    store = services.index.reader()
    chunks = sorted(c.text for c in store.iter_chunks())
    docs = sorted((d.id, d.version) for d in store.documents())
    return services.index.marker(), docs, store.counts(), chunks


@pytest.fixture
def admin(tmp_path: Path, embedder: Embedder) -> Services:
    """An index of one upload, with the admin password set."""
    services = make_services(tmp_path / "data", embedder, admin_password=PASSWORD, max_upload_mb=1)
    pdf = text_pdf(tmp_path / "first.pdf", ["First", "The hotline took 913 calls in 2021."])
    assert "added" in LibraryHandlers(services).upload([str(pdf)], password=PASSWORD)
    return services


@pytest.mark.parametrize("given", [None, "", "wrong", PASSWORD[:-1], f" {PASSWORD}"])
def test_refused_admin_actions_leave_every_file_as_it_was(
    admin: Services, tmp_path: Path, given: str | None
) -> None:
    library = LibraryHandlers(admin)
    pdf = text_pdf(tmp_path / "first.pdf", ["Replacement", "Different text entirely now."])
    actions: dict[str, Callable[[], str]] = {
        "upload": lambda: library.upload([str(pdf)], password=given),
        "remove": lambda: library.remove("first", given),
        "reingest": lambda: library.reingest(given),
    }
    before = tree(admin.data_dir), contents(admin)
    outside = files_outside(tmp_path, admin.data_dir)

    for name, action in actions.items():
        assert "Wrong or missing admin password" in action(), name

    assert (tree(admin.data_dir), contents(admin)) == before
    assert files_outside(tmp_path, admin.data_dir) == outside
    assert admin.store.document("first") is not None


def test_uploads_over_the_cap_or_not_pdfs_write_nothing(admin: Services, tmp_path: Path) -> None:
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.7\n" + os.urandom(1024 * 1024))
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"MZ\x90\x00 an executable with a .pdf name")
    before = tree(admin.data_dir), contents(admin)

    result = LibraryHandlers(admin).upload([str(big), str(fake)], password=PASSWORD)

    assert "big.pdf: 1.0 MB is over the 1 MB limit" in result
    assert "fake.pdf: not a PDF" in result
    assert (tree(admin.data_dir), contents(admin)) == before


def test_uploads_land_under_safe_names_inside_the_uploads_folder(
    admin: Services, tmp_path: Path
) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    names = ["../../x.pdf", "..pdf", "a\u202egnp.pdf", "report.PDF.exe", "CON.pdf"]
    files = []
    for n, name in enumerate(names):
        target = folder / name.replace("/", "_")
        files.append(str(text_pdf(target, [f"Report {n}", f"Shelter {n} had {n + 10} beds."])))
    outside = files_outside(tmp_path, admin.data_dir)

    result = LibraryHandlers(admin).upload(files, password=PASSWORD)

    assert "5 added" in result, result
    uploads = admin.uploads_dir.resolve()
    stored = sorted(p.name for p in uploads.iterdir())
    assert stored == [
        "CON.pdf",
        "a gnp.pdf",
        "first.pdf",
        "report.PDF.exe.pdf",
        "upload.pdf",
        "x.pdf",
    ]
    assert all(p.resolve().parent == uploads for p in uploads.iterdir())
    assert files_outside(tmp_path, admin.data_dir) == outside


# -- the real app -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def running_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.Popen, int]]:
    """`python app.py --port N --data-dir D` with no ATP_HOST: the default bind address."""
    folder = tmp_path_factory.mktemp("app")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATP_")}
    env.update(ATP_ADMIN_PASSWORD=PASSWORD, ATP_MAX_DOWNLOAD_MB="1")
    log = (folder / "app.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port), "--data-dir", str(folder / "data")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, (folder / "app.log").read_text(errors="replace")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=2, trust_env=False).is_success:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "app not up after 120 s"
            time.sleep(0.3)
        yield process, port
    finally:
        stop(process)
        log.close()


def other_addresses() -> list[str]:
    """IPv4 addresses of this machine that are not loopback."""
    psutil = pytest.importorskip("psutil")
    return [
        a.address
        for addresses in psutil.net_if_addrs().values()
        for a in addresses
        if a.family == socket.AF_INET and not a.address.startswith("127.")
    ]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_started_app_listens_on_loopback_only(running_app) -> None:
    psutil = pytest.importorskip("psutil", reason="psutil lists listening sockets (test extra)")
    process, port = running_app

    listening = {
        c.laddr.ip
        for c in psutil.Process(process.pid).net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN and c.laddr.port == port
    }

    assert listening == {"127.0.0.1"}
    for address in other_addresses():
        with socket.socket() as s:
            s.settimeout(2)
            assert s.connect_ex((address, port)) != 0, f"reachable on {address}:{port}"


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_started_app_refuses_an_upload_over_the_cap(running_app) -> None:
    _, port = running_app
    big = b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024)

    response = httpx.post(
        f"http://127.0.0.1:{port}/gradio_api/upload",
        files={"files": ("big.pdf", big, "application/pdf")},
        timeout=60,
        trust_env=False,
    )

    assert response.status_code == 413, response.text[:300]
