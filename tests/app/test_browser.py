"""The app in real headless Chromium: `python app.py` in a subprocess on a free local port.

Screenshots go to artifacts/screenshots/ (gitignored) for a human to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.ui_browser import ARGS, CHROMIUM, SHOTS, WAIT, App, ask
from tests.pdf_factory import text_pdf
from tests.small_index import build_index, make_pdfs
from vectorstore.embeddings import Embedder

# The first test also starts the app process (up to 90 s) and Chromium.
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "e2e-admin-secret"


@pytest.fixture(scope="module")
def running_app(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[App]:
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian chromium is not installed at /usr/bin/chromium (scripts/test.sh adds it)"
        )
    folder = tmp_path_factory.mktemp("e2e")
    build_index(folder / "data", make_pdfs(folder / "pdfs"), embedder)
    app = App(folder / "data", folder / "app.log", ATP_ADMIN_PASSWORD=PASSWORD)
    print(f"\napp served its first page {app.startup_seconds:.1f} s after launch")
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="module")
def browser(running_app: App):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, running_app: App):
    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=running_app.url)
    page = context.new_page()
    page.dialogs = []  # type: ignore[attr-defined]
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    page.goto(running_app.url + "/")
    page.wait_for_selector("#atp-question textarea", timeout=WAIT)
    yield page
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_first_page_explains_itself(page, running_app: App) -> None:
    page.wait_for_selector("text=2 publication PDFs", timeout=WAIT)
    assert page.get_by_text("What happened in 2017?").is_visible()
    assert running_app.startup_seconds < 30
    shot(page, "01-start")

    page.get_by_text("What happened in 2017?").click()  # an example question asks itself
    page.wait_for_selector(".atp-tools", timeout=WAIT)
    assert "ICAT" in page.locator(".atp-answer").last.inner_text()

    page.get_by_role("button", name="Clear conversation").click()
    page.wait_for_function("document.querySelectorAll('.atp-answer').length == 0", timeout=WAIT)


def test_answer_with_a_working_citation(page, running_app: App) -> None:
    answer = ask(page, "Where was the transnational referral mechanism first piloted?")

    assert "Albania and Moldova" in answer.inner_text()
    card = answer.locator(".atp-card", has_text="Handbook on Transnational Referral").first
    assert "p. 3 (printed 2)" in card.inner_text()
    assert card.locator("mark", has_text=re.compile("piloted", re.I)).count() >= 1
    link = card.locator("a.atp-pdf")
    href = link.get_attribute("href")
    assert href.startswith("/viewer?doc=referral-handbook&page=3&label=2&q=")
    response = page.request.get(running_app.url + "/pdf/referral-handbook")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
    shot(page, "02-answer-with-sources")

    with page.context.expect_page() as opened:  # open the source: the viewer in a new tab
        link.click()
    pdf_tab = opened.value
    pdf_tab.wait_for_selector("body[data-ready=true]", timeout=WAIT)
    assert pdf_tab.url.startswith(running_app.url + "/viewer?doc=referral-handbook&page=3")
    pdf_tab.close()

    page.locator("button.atp-copy").last.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(answer.locator(".atp-text").inner_text()[:30])
    assert "Sources:" in copied and "Handbook on Transnational Referral (2008), p. 3" in copied


def test_script_in_a_document_renders_as_text(page) -> None:
    answer = ask(page, "What did the shelter in Skopje offer?")

    assert answer.get_by_text('<script>alert("pwned")</script>').first.is_visible()
    assert page.locator(".atp-answer script, .atp-answer img").count() == 0
    page.wait_for_timeout(500)
    assert page.dialogs == []  # type: ignore[attr-defined]
    shot(page, "03-script-as-text")


def test_upload_then_ask_about_it(page, tmp_path: Path, running_app: App) -> None:
    pdf = text_pdf(
        tmp_path / "Tirana hotline <b>.pdf",
        ["Hotline review", "Results\nThe Tirana hotline answered 913 calls in its first year."],
    )
    page.get_by_role("tab", name="Library").click()
    page.get_by_label("Admin password").fill(PASSWORD)
    page.locator("input[type=file]").first.set_input_files(str(pdf))
    page.wait_for_selector("text=Tirana hotline", timeout=WAIT)
    page.get_by_label("Title (one file only; empty: from the PDF)").fill("Hotline <i>Review</i>")
    page.get_by_label("Year", exact=True).fill("2021")
    page.get_by_role("button", name="Upload and ingest").click()
    page.wait_for_selector(".atp-notice.atp-ok", timeout=WAIT)
    assert "added" in page.locator(".atp-notice.atp-ok").inner_text()
    page.wait_for_selector("text=Hotline <i>Review</i>", timeout=WAIT)  # in the table, as text
    page.locator(".atp-notice.atp-ok").scroll_into_view_if_needed()
    shot(page, "04-library-after-upload")

    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "What calls did the Tirana hotline answer?")

    assert "913 calls" in answer.inner_text()
    card = answer.locator(".atp-card", has_text="Hotline <i>Review</i>").first
    href = card.locator("a.atp-pdf").get_attribute("href")
    assert href and "&page=2&" in href
    doc_id = href.split("doc=", 1)[1].split("&", 1)[0]
    response = page.request.get(f"{running_app.url}/pdf/{doc_id}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    shot(page, "05-uploaded-and-cited")


def test_timeline_year_asks_the_chat(page) -> None:
    page.get_by_role("tab", name="Timeline").click()
    page.wait_for_selector(".js-plotly-plot", timeout=WAIT)
    page.locator("label", has_text="2017").first.click()
    page.wait_for_selector("text=first non-UN organisation", timeout=WAIT)
    page.wait_for_timeout(1000)  # the figure follows the settled width (see ui/theme.py)
    shot(page, "06-timeline")

    before = page.locator(".atp-tools").count()
    page.get_by_role("button", name="Ask the assistant about this year").click()
    page.wait_for_function(
        f"document.querySelectorAll('.atp-tools').length > {before}", timeout=WAIT
    )
    answer = page.locator(".atp-answer").last
    assert "ICAT" in answer.inner_text()
    assert page.get_by_text("What happened in 2017?").last.is_visible()
    shot(page, "07-timeline-question-answered")
