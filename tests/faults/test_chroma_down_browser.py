"""The Chroma server stops during a browser session and comes back: the real app (`python
app.py` in server mode), real `chroma run`, headless Chromium. The app is never restarted.

Screenshots go to artifacts/screenshots/fault-*.png for a human to look at.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from ingest.sources import from_path
from tests.app.ui_browser import ARGS, CHROMIUM, SHOTS, WAIT, ask
from tests.processes import free_port, stop
from tests.small_index import DOCS, make_pdfs
from tests.vectorstore.chroma_server import ChromaServer
from vectorstore.client import connect
from vectorstore.embeddings import Embedder
from vectorstore.settings import StoreSettings
from vectorstore.store import Store

# The app process, a Chroma server and Chromium, started and stopped within the test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.slow,
    pytest.mark.timeout(300),
]

ROOT = Path(__file__).resolve().parents[2]
COLLECTION = "faultui"
QUESTION = "Where was the transnational referral mechanism first piloted?"
DOC_ID = "referral-handbook"


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ChromaServer]:
    """A server only this test uses and stops; stopped by its PID."""
    server = ChromaServer(tmp_path / "server-db").start()
    try:
        yield server
    finally:
        server.stop()


def ingest_one_pdf(server: ChromaServer, data_dir: Path, pdfs_dir: Path, embedder: Embedder):
    """One generated publication, ingested into the server as the CLI would."""
    settings = StoreSettings.from_env(
        {}, chroma_mode="server", chroma_host=server.host, chroma_port=server.port
    )
    store = Store(connect(settings), embedder, COLLECTION)
    doc = DOCS[DOC_ID]
    source = from_path(
        make_pdfs(pdfs_dir)[DOC_ID],
        title=doc["title"],
        year=doc["year"],
        doc_type=doc["doc_type"],
        doc_id=DOC_ID,
    )
    report = Pipeline(store, IngestSettings.from_env({}), data_dir).ingest([source])
    assert not report.failures, [d.line() for d in report.failures]


@pytest.fixture
def app(own_server: ChromaServer, tmp_path: Path, embedder: Embedder) -> Iterator[str]:
    """`python app.py` in server mode on a free port; yields its URL, stopped by its PID."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium")
    data_dir = tmp_path / "data"
    ingest_one_pdf(own_server, data_dir, tmp_path / "pdfs", embedder)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATP_")}
    env.update(
        GRADIO_ANALYTICS_ENABLED="False",
        ATP_CHROMA_MODE="server",
        ATP_CHROMA_HOST=own_server.host,
        ATP_CHROMA_PORT=str(own_server.port),
        ATP_COLLECTION=COLLECTION,
    )
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
    try:
        deadline = time.monotonic() + 90
        while not _serves(url):
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "app not up after 90 s"
            time.sleep(0.2)
        yield url
        assert process.poll() is None, "the app died during the test"
    finally:
        stop(process)
        print(log.read_text(errors="replace")[-2000:])


def _serves(url: str) -> bool:
    try:
        return httpx.get(url + "/", timeout=2, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"fault-{name}.png"), full_page=True)


def ask_expecting_an_error(page, question: str):
    before = page.locator(".atp-error").count()
    page.fill("#atp-question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"document.querySelectorAll('.atp-error').length > {before}", timeout=WAIT
    )
    return page.locator(".atp-error").last


def assert_cited(answer) -> None:
    assert "Albania and Moldova" in answer.inner_text()
    card = answer.locator(".atp-card", has_text="Handbook on Transnational Referral").first
    assert "p. 3" in card.inner_text()
    href = card.locator("a.atp-pdf").get_attribute("href")
    assert href.startswith(f"/viewer?doc={DOC_ID}&page=3&")


def test_chroma_server_stops_and_returns_during_a_browser_session(
    app: str, own_server: ChromaServer
) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 1000})
            page.goto(app + "/")
            page.wait_for_selector("text=1 publication PDFs", timeout=WAIT)
            assert_cited(ask(page, QUESTION))
            shot(page, "01-answer-before")

            own_server.stop()
            assert not own_server.is_alive()
            error = ask_expecting_an_error(page, QUESTION)

            said = error.inner_text()
            assert "The index cannot be reached right now" in said
            assert "the Chroma server stopped answering" in said
            assert "press Retry when it is back" in said
            assert said.lower().count("retry") == 1, said  # one piece of advice, not two
            first = page.locator(".atp-answer").first  # keeps its links while the index is down
            href = first.locator("a.atp-pdf").first.get_attribute("href")
            assert href.startswith(f"/viewer?doc={DOC_ID}&page=3&")
            assert "Traceback" not in said and "File " not in said
            status = page.locator("#atp-status")
            page.wait_for_selector("#atp-status .atp-bad", timeout=WAIT)  # the 3 s timer
            assert "Index unavailable" in status.inner_text()
            assert "Chroma server stopped answering" in status.inner_text()
            assert page.locator(".toast-body, .toast-wrap .error").count() == 0
            shot(page, "02-server-down")

            own_server.start()  # same path and port
            assert_cited(ask(page, QUESTION))
            page.wait_for_selector("#atp-status >> text=1 publication PDFs", timeout=WAIT)
            assert page.locator("#atp-status .atp-bad").count() == 0
            assert page.locator(".atp-answer").count() == 3  # answer, error, answer
            shot(page, "03-server-back")
        finally:
            browser.close()
