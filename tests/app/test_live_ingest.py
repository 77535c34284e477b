"""Re-ingest while the app serves: the real app (`python app.py`), the real CLI (`python -m
ingest`) in another process, generated PDFs, embedded Chroma and a `chroma run` server.

Questions asked before, during and after an ingest are all answered; during it, from the index
as it was; after it, the next question cites the new document, without restarting the app.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from ingest.sources import from_path
from tests.app.ui_browser import ARGS, CHROMIUM, WAIT, ask
from tests.pdf_factory import text_pdf
from tests.processes import free_port, stop
from tests.small_index import DOCS
from tests.vectorstore.chroma_server import ChromaServer
from vectorstore.embeddings import Embedder
from vectorstore.index import Index
from vectorstore.lock import LOCK_FILE
from vectorstore.settings import StoreSettings

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
OLD_QUESTION = "Where was the transnational referral mechanism first piloted?"
OLD_ANSWER = "Albania and Moldova"
NEW_QUESTION = "How many survivors did the okapi shelter network in Chisinau register?"
NEW_TITLE = "Okapi Shelter Network Report"
NEW_ID = "okapi-report"
NEW_PAGE = 37
MODES = ["embedded", pytest.param("server", marks=pytest.mark.server)]
PASSWORD = "live-admin-secret"


def new_pdf(folder: Path, pages: int = 60) -> Path:
    """Long enough that its ingest takes a while; one page says what only it says."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = []
    for n in range(1, pages + 1):
        text = (
            f"Section {n}. The regional working group met in session {n} to review referral "
            f"procedures, case management standard {n * 7} and training module {n * 3}. "
        ) * 6
        if n == NEW_PAGE:
            text += (
                "The okapi shelter network in Chisinau registered 4,321 survivors in 2021, "
                "each offered legal counselling within two days."
            )
        texts.append(text)
    return text_pdf(folder / f"{NEW_ID}.pdf", texts, title=NEW_TITLE)


@dataclass
class Live:
    mode: str
    data_dir: Path
    env: dict[str, str]
    url: str
    server: ChromaServer | None
    settings: StoreSettings
    log: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    def ingest(self, *args: str) -> subprocess.Popen[str]:
        """`python -m ingest --data-dir D ARGS` in its own process, as a user's second terminal."""
        return subprocess.Popen(
            [sys.executable, "-m", "ingest", "--data-dir", str(self.data_dir), "-q", *args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )

    def holder_pid(self) -> int | None:
        try:
            return int(json.loads((self.data_dir / LOCK_FILE).read_text() or "{}").get("pid", 0))
        except (OSError, ValueError):
            return None

    def marker(self) -> str:
        return Index(self.settings, Embedder("")).marker()


def app_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATP_")}
    env.update(GRADIO_ANALYTICS_ENABLED="False", ATP_ADMIN_PASSWORD=PASSWORD, **extra)
    return env


@pytest.fixture(params=MODES)
def live(request, tmp_path: Path, embedder: Embedder) -> Iterator[Live]:
    """The app tests' two publications and the milestones, served by `python app.py`."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium")
    mode = request.param
    server = None
    extra: dict[str, str] = {}
    if mode == "server":
        server = ChromaServer(tmp_path / "server-db").start()
        extra = {
            "ATP_CHROMA_MODE": "server",
            "ATP_CHROMA_HOST": server.host,
            "ATP_CHROMA_PORT": str(server.port),
            "ATP_COLLECTION": "live",
        }
    env = app_env(extra)
    data_dir = tmp_path / "data"
    settings = StoreSettings.from_env(env, data_dir=data_dir)
    from tests.small_index import make_pdfs

    pdfs = make_pdfs(tmp_path / "pdfs")
    with Index(settings, embedder).writer() as store:
        pipeline = Pipeline(store, IngestSettings.from_env({}), data_dir)
        sources = [
            from_path(pdfs[i], title=d["title"], year=d["year"], doc_type=d["doc_type"], doc_id=i)
            for i, d in DOCS.items()
        ]
        assert not pipeline.ingest(sources).failures
        pipeline.ingest_milestones()
    port = free_port()
    log = tmp_path / "app.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(port), "--data-dir", str(data_dir)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}"
    live = Live(mode, data_dir, env, url, server, settings, log, process)
    failed_before = request.session.testsfailed
    try:
        deadline = time.monotonic() + 120
        while not _serves(url):
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "app not up after 120 s"
            time.sleep(0.2)
        yield live
        assert process.poll() is None, "the app died during the test"
        assert "Traceback" not in log.read_text(errors="replace")
    finally:
        failed = request.session.testsfailed > failed_before  # the call's report is in
        if failed and process.poll() is None:  # the app's threads' stacks: what it waited on
            process.send_signal(signal.SIGUSR1)
            time.sleep(1)
        stop(process)
        if server is not None:
            server.stop()
        # Shown only when the test fails: what the app logged while it served.
        print("--- app log (end) ---\n" + log.read_text(errors="replace")[-12000:])


def _serves(url: str) -> bool:
    try:
        return httpx.get(url + "/", timeout=2, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def cites_new(answer) -> bool:
    return answer.locator(".atp-card", has_text=NEW_TITLE).count() > 0


def test_questions_before_during_and_after_an_ingest_from_another_process(live: Live) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 1000})
            page.goto(live.url + "/")
            page.wait_for_selector("#atp-status >> text=2 publication PDFs", timeout=WAIT)

            before = ask(page, OLD_QUESTION)
            assert OLD_ANSWER in before.inner_text()
            assert not cites_new(ask(page, NEW_QUESTION))

            cli = live.ingest("add", str(new_pdf(live.data_dir.parent / "new")), "--year", "2021")
            deadline = time.monotonic() + 120
            while live.holder_pid() != cli.pid:
                assert cli.poll() is None, cli.communicate()[0]
                assert time.monotonic() < deadline, "the CLI never took the writer lock"
                time.sleep(0.05)
            during = 0
            while cli.poll() is None:
                marker, holding = live.marker(), live.holder_pid() == cli.pid
                answer = ask(page, OLD_QUESTION)
                assert page.locator(".atp-error").count() == 0, answer.inner_text()
                assert OLD_ANSWER in answer.inner_text()
                if holding and live.holder_pid() == cli.pid and live.marker() == marker:
                    during += 1  # asked and answered while the CLI held the index
            output = cli.communicate()[0]
            assert cli.returncode == 0, output
            assert "1 added" in output
            assert during >= 1, "no question was answered while the ingest ran"
            print(f"\n{live.mode}: {during} questions answered during the ingest")

            after = ask(page, NEW_QUESTION)
            assert cites_new(after), after.inner_text()
            card = after.locator(".atp-card", has_text=NEW_TITLE).first
            assert f"p. {NEW_PAGE}" in card.inner_text()
            assert "4,321" in after.inner_text()
            page.wait_for_selector("#atp-status >> text=3 publication PDFs", timeout=WAIT)

            remove = live.ingest("remove", NEW_ID)
            output = remove.communicate(timeout=300)[0]
            assert remove.returncode == 0, output
            assert "removed" in output
            gone = ask(page, NEW_QUESTION)
            assert not cites_new(gone), gone.inner_text()
            assert OLD_ANSWER in ask(page, OLD_QUESTION).inner_text()
            page.wait_for_selector("#atp-status >> text=2 publication PDFs", timeout=WAIT)
            assert page.locator(".atp-error").count() == 0
        finally:
            browser.close()


@dataclass
class Asked:
    question: str
    started: float
    ended: float
    text: str
    error: str | None


def asking(url: str, question: str, stop_at: threading.Event, out: list[Asked]) -> None:
    """Ask one question over and over through the app's /ask endpoint, recording each reply."""
    from gradio_client import Client

    client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
    while not stop_at.is_set():
        started = time.time()
        try:
            reply = client.predict(question=question, api_name="/ask")
            text, error = str(reply[0][-1]["content"]), None
            if "atp-error" in text:
                error = text
        except Exception as exc:  # the finding; the loop goes on
            text, error = "", f"{type(exc).__name__}: {exc}"
        out.append(Asked(question, started, time.time(), text, error))


def test_no_question_fails_while_another_process_writes(live: Live) -> None:
    """Questions in a loop while the CLI writes three PDFs: none fails, some overlap the
    writes themselves, and the first question after the commit cites the new document."""
    folder = live.data_dir.parent / "folder"
    new_pdf(folder, pages=8)  # first in the folder: written while the others are embedded
    for name in ("zz-long-one", "zz-long-two"):  # ~3 chunks a page: long writes on a server too
        pages = [
            f"Annex {n}. Inventory of training materials, volume {n}. " * 30 for n in range(40)
        ]
        text_pdf(folder / f"{name}.pdf", [f"{p} ({name})" for p in pages], title=name)
    from gradio_client import Client

    warm = Client(live.url, verbose=False, analytics_enabled=False, download_files=False)
    warm.predict(question=OLD_QUESTION, api_name="/ask")  # loads the model before the timing
    ref = threading.Event()
    old: list[Asked] = []
    new: list[Asked] = []
    threads = [
        threading.Thread(target=asking, args=(live.url, OLD_QUESTION, ref, old)),
        threading.Thread(target=asking, args=(live.url, NEW_QUESTION, ref, new)),
    ]
    writing: list[float] = []  # times the writer had written something readers must not see
    committed: list[float] = []
    for thread in threads:
        thread.start()
    cli = live.ingest("add", str(folder))
    marker = live.marker()
    # One client polled back to back: a document's pages and chunks go to a server in one
    # request each, so its uncommitted window is a fraction of a second (missed at 20 ms + a new
    # client per poll on a fast CI machine).
    server = _ServerWatch(live) if live.mode == "server" else None
    try:
        while cli.poll() is None:
            now = time.time()
            if server is None:
                if not committed:
                    if (live.data_dir / "index" / f"g{int(marker) + 1:06d}").exists():
                        writing.append(now)  # the writer's own copy
                    if live.marker() != marker:
                        committed.append(now)
                time.sleep(0.02)
                continue
            if server.uncommitted() > 0:
                writing.append(now)  # pages or chunks in the shared server, not committed yet
            if not committed and server.has(NEW_ID):
                committed.append(now)
        if not committed:
            committed.append(time.time())
        time.sleep(8)  # questions after the commit
    finally:
        ref.set()
        for thread in threads:
            thread.join(120)
    output = cli.communicate()[0]
    assert cli.returncode == 0, output

    failures = [a.error for a in old + new if a.error]
    assert not failures, failures[:3]
    assert all(OLD_ANSWER in a.text for a in old)
    assert writing, "the writer was never seen writing"
    overlapped = [a for a in old + new if any(a.started <= t <= a.ended for t in writing)]
    assert overlapped, "no question overlapped the writes"
    commit = committed[0]
    after = [a for a in new if a.started > commit + 0.1]
    assert after and all(NEW_TITLE in a.text for a in after), [a.text[:200] for a in after]
    if live.mode == "embedded":  # the run appears at once: nothing of it before its commit
        assert not any(NEW_TITLE in a.text for a in new if a.ended < commit - 0.1)
    seen = min(a.ended for a in new if NEW_TITLE in a.text and a.ended >= commit)
    times = [a.ended - a.started for a in old]
    print(
        f"\n{live.mode}: {len(old) + len(new)} questions, {len(overlapped)} overlapping the "
        f"writes ({len(writing)} samples over {writing[-1] - writing[0]:.1f} s), 0 failed; median "
        f"{statistics.median(times):.2f} s; commit -> first answer citing it {seen - commit:.2f} s"
    )


class _ServerWatch:
    """What a reader of the shared Chroma server could see, through one client."""

    def __init__(self, live: Live) -> None:
        import chromadb

        assert live.server is not None
        client = chromadb.HttpClient(host=live.server.host, port=live.server.port)
        name = live.settings.collection
        self.docs = client.get_collection(f"{name}_documents")
        self.pages = client.get_collection(f"{name}_pages")
        self.chunks = client.get_collection(f"{name}_chunks")

    def uncommitted(self) -> int:
        """Pages and chunks in the server that no committed document record owns yet."""
        records = [json.loads(t) for t in self.docs.get(include=["documents"])["documents"] or []]
        pages = self.pages.count() - sum(r["pages"] for r in records)  # a blank page has none
        return max(0, pages) + self.chunks.count() - sum(r["chunks"] for r in records)

    def has(self, doc_id: str) -> bool:
        return bool(self.docs.get(ids=[doc_id])["ids"])


def upload(url: str, pdf: Path) -> str:
    from gradio_client import Client, handle_file

    client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
    html, _ = client.predict(
        files=[handle_file(str(pdf))],
        title="",
        year=None,
        doc_type="publication",
        password=PASSWORD,
        api_name="/upload",
    )
    return str(html)


def test_a_library_upload_and_a_cli_ingest_at_once(live: Live, embedder: Embedder) -> None:
    """The upload is refused while the CLI writes, naming it; the CLI waits while an upload
    is written, naming it; both go in, and the index holds nothing else."""
    cli = live.ingest("add", str(new_pdf(live.data_dir.parent / "new")))
    while live.holder_pid() != cli.pid:
        assert cli.poll() is None, cli.communicate()[0]
        time.sleep(0.05)
    small = text_pdf(live.data_dir.parent / "memo.pdf", ["A memo on shelter beds."], title="Memo")
    refused = upload(live.url, small)
    assert "Another ingest is running: `python -m ingest --data-dir" in refused
    assert f"(pid {cli.pid}, started" in refused and "Nothing was changed" in refused
    assert cli.wait(600) == 0

    big = live.data_dir.parent / "uploads-in" / "annex.pdf"
    big.parent.mkdir()
    text_pdf(big, [f"Annex page {n}. Training inventory, volume {n}. " * 14 for n in range(150)])
    done: list[str] = []
    thread = threading.Thread(target=lambda: done.append(upload(live.url, big)))
    thread.start()
    app_pid = live.process.pid if live.process else 0
    while live.holder_pid() != app_pid:
        assert thread.is_alive(), done
        time.sleep(0.02)
    waiting = live.ingest("add", str(small))
    said = waiting.communicate(timeout=600)[0]
    thread.join(600)

    assert waiting.returncode == 0, said
    assert "Waiting for the ingest already running on" in said
    assert f"`the web app: ingesting 1 upload(s)` (pid {app_pid}, started" in said
    assert "added" in done[0] and "Another ingest" not in done[0]
    store = Index(live.settings, embedder).reader()
    ids = {d.id for d in store.documents()}
    assert {NEW_ID, "memo", "annex", *DOCS} <= ids
    counts = store.counts()
    assert counts["chunks"] == counts["stored_chunks"]
