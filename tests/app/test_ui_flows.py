"""What a new user met in the web app (issue #20), each in real headless Chromium.

One app process serves the module (admin password set, the generated index); a second,
read-only one on an empty index checks the hints and the Stop button, with an LLM stand-in
that answers slowly. Visual checks run in the four looks: desktop and 390 px, light and dark.
Screenshots: artifacts/screenshots/ui-*.png.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.ui_browser import (
    ARGS,
    CHROMIUM,
    THEMES,
    VIEWS,
    WAIT,
    App,
    ask,
    low_contrast,
    need_chromium,
    open_page,
    shot,
)
from tests.assistant.fake_llm_server import FakeLLMServer
from tests.pdf_factory import text_pdf
from tests.small_index import DOCS, build_index, make_pdfs
from ui import render
from vectorstore.embeddings import Embedder

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "ui-admin-secret"
REFERRAL = "Where was the transnational referral mechanism first piloted?"
LONG = (
    "In which two countries were the transnational referral mechanism and its caseworkers "
    "first piloted for returning victims, and what happened at the border crossing?"
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[App]:
    need_chromium()
    folder = tmp_path_factory.mktemp("ui-flows")
    build_index(folder / "data", make_pdfs(folder / "pdfs"), embedder)
    app = App(folder / "data", folder / "app.log", ATP_ADMIN_PASSWORD=PASSWORD)
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="module")
def browser(app: App):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def settled(page) -> None:
    """Wait until no transition or animation runs: a colour read mid-fade is neither the
    one before nor the one after (a loaded machine stretches the fades past any fixed wait)."""
    page.wait_for_timeout(300)
    running = "() => document.getAnimations().every(a => a.playState !== 'running')"
    page.wait_for_function(running, timeout=WAIT)


def no_low_contrast(page, where: str) -> None:
    offenders = low_contrast(page)
    assert not offenders, f"{where}: text below 4.5:1:\n" + "\n".join(map(str, offenders[:20]))


# -- 1 and 5: both themes readable everywhere; the chat first on a phone ----------------------


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("view", list(VIEWS))
def test_every_view_is_readable_and_the_chat_comes_first(browser, app: App, view, theme) -> None:
    page = open_page(browser, app, view, theme)
    height = VIEWS[view]["height"]
    width = VIEWS[view]["width"]
    page.wait_for_selector("text=2 publication PDFs", timeout=WAIT)
    chat = page.locator("#atp-chat").bounding_box()
    question = page.locator("#atp-question textarea").bounding_box()
    assert question["y"] + question["height"] <= height, "the question box is below the fold"
    assert chat["y"] < height / 3, "the header and tabs take the first third of the screen"
    assert question["width"] >= 0.6 * width - 120, "the question box is narrow"
    no_low_contrast(page, f"examples {view} {theme}")
    shot(page, f"ui-chat-start-{view}-{theme}")

    answer = ask(page, REFERRAL)
    assert answer.locator(".atp-card").count() >= 1
    no_low_contrast(page, f"answer {view} {theme}")
    answer.locator(".atp-card").first.scroll_into_view_if_needed()
    shot(page, f"ui-chat-answer-{view}-{theme}")

    page.get_by_role("tab", name="Library").click()
    page.wait_for_selector("table.atp-library", timeout=WAIT)
    no_low_contrast(page, f"library {view} {theme}")
    shot(page, f"ui-library-{view}-{theme}")

    page.get_by_role("tab", name="Timeline").click()
    page.locator("label", has_text="2017").first.click()
    page.wait_for_selector(".atp-year-big", timeout=WAIT)
    # what a reader sees once the year's update has landed: the button enabled, fades settled
    ask_year = page.get_by_role("button", name="Ask the assistant about this year")
    ask_year.wait_for(state="visible", timeout=WAIT)
    page.wait_for_function("b => !b.disabled", arg=ask_year.element_handle(), timeout=WAIT)
    settled(page)
    no_low_contrast(page, f"timeline {view} {theme}")
    if view == "desktop":
        page.wait_for_timeout(800)
        shot(page, f"ui-timeline-{view}-{theme}")
    page.context.close()


# -- 6: one control per action ---------------------------------------------------------------


def test_one_control_per_action(browser, app: App) -> None:
    page = open_page(browser, app)
    ask(page, REFERRAL)

    for action in ("clear", "retry"):
        visible = [
            b
            for b in page.get_by_role("button", name=re.compile(action, re.I)).all()
            if b.is_visible()
        ]
        assert len(visible) == 1, f"{len(visible)} visible {action} controls"
    first_question = page.locator(".atp-question").first.bounding_box()
    for button in page.locator("#atp-chat button").all():
        box = button.bounding_box() if button.is_visible() else None
        if box is None:
            continue
        overlaps = not (
            box["x"] + box["width"] <= first_question["x"]
            or first_question["x"] + first_question["width"] <= box["x"]
            or box["y"] + box["height"] <= first_question["y"]
            or first_question["y"] + first_question["height"] <= box["y"]
        )
        assert not overlaps, f"a button covers the first question: {button.inner_html()[:80]}"

    page.get_by_role("button", name="Retry last question").click()
    page.wait_for_selector("#atp-ask", state="visible", timeout=WAIT)
    page.wait_for_function("document.querySelectorAll('.atp-tools').length == 1", timeout=WAIT)
    page.get_by_role("button", name="Clear conversation").click()
    page.wait_for_function("document.querySelectorAll('.atp-answer').length == 0", timeout=WAIT)
    page.context.close()


# -- 4: highlight the words that carry the match ---------------------------------------------


def test_quotes_mark_only_the_questions_distinctive_words(browser, app: App) -> None:
    page = open_page(browser, app)
    answer = ask(page, LONG)

    card = answer.locator(".atp-card", has_text="Handbook on Transnational Referral").first
    quote = card.locator(".atp-quote").inner_text()
    marked = {m.lower() for m in card.locator("mark").all_inner_texts()}
    every_shared = set(re.findall(r"<mark>([^<]+)</mark>", render.highlight(quote, LONG)))
    assert marked, "nothing is highlighted"
    assert len(marked) <= 4
    assert len(marked) < len({w.lower() for w in every_shared}), (marked, every_shared)
    card.scroll_into_view_if_needed()
    shot(page, "ui-highlight-desktop-light")
    page.context.close()


# -- 3: the source opens at its page, the passage marked ---------------------------------------


@pytest.mark.parametrize("theme", THEMES)
def test_source_opens_at_the_cited_page_with_the_passage_marked(browser, app: App, theme) -> None:
    page = open_page(browser, app, "desktop", theme)
    answer = ask(page, REFERRAL)
    card = answer.locator(".atp-card", has_text="Handbook on Transnational Referral").first
    assert "p. 3 (printed 2)" in card.inner_text()
    link = card.locator("a.atp-pdf")
    assert link.inner_text() == "Open at p. 3 (printed 2), passage highlighted"

    with page.context.expect_page() as opened:
        link.click()
    viewer = opened.value
    viewer.wait_for_selector("body[data-ready=true]", timeout=WAIT)
    assert viewer.locator("#where").inner_text() == "p. 3 (printed 2) of 3"
    marked = " ".join(viewer.locator(".atp-hl").all_inner_texts())
    assert "Albania" in marked and "Moldova" in marked, marked
    assert "Foreword" not in marked
    assert viewer.locator("#note").inner_text() == "The cited passage is highlighted."
    no_low_contrast(viewer, f"viewer {theme}")
    shot(viewer, f"ui-viewer-desktop-{theme}")

    viewer.get_by_role("button", name="Previous page").click()
    viewer.wait_for_function(
        "document.getElementById('where').textContent.startsWith('p. 2 (printed 1)')"
    )
    assert viewer.locator(".atp-hl").count() == 0  # the passage is not on that page
    page.context.close()


# -- 2 and 8: upload keeps the file, shows real progress and its result; title and year ------


def test_upload_keeps_the_file_shows_progress_and_reads_title_and_year(
    browser, app: App, tmp_path: Path
) -> None:
    body = "The Tirana hotline answered calls from people in distress at any hour. " * 14
    pages = ["Hotline Review", "Published by Example Press. © Example Press 2016", *[body] * 38]
    pdf = text_pdf(
        tmp_path / "Hotline_2012_review.pdf", pages, title="Review of the Tirana Hotline"
    )
    page = open_page(browser, app)
    page.get_by_role("tab", name="Library").click()
    year = page.get_by_label("Year", exact=True)
    assert year.input_value() == ""
    files_box = page.locator("#atp-library-files")
    files_box.locator("input[type=file]").set_input_files(str(pdf))
    page.wait_for_selector("text=Hotline_2012_review.pdf", timeout=WAIT)

    page.get_by_label("Admin password").fill("wrong")
    page.get_by_role("button", name="Upload and ingest").click()
    page.wait_for_selector(".atp-notice.atp-error", timeout=WAIT)
    assert "Wrong or missing admin password" in page.locator("#atp-result").inner_text()
    assert "Hotline_2012_review" in files_box.inner_text(), "the chosen file was cleared"
    assert in_view(page, "#atp-result")

    page.evaluate(
        """() => { window.atpSeen = new Set();
        new MutationObserver(() => {
          for (const line of document.body.innerText.split('\\n'))
            if (/Reading|Embedding/.test(line)) window.atpSeen.add(line.trim());
        }).observe(document.body, {subtree: true, childList: true, characterData: true}); }"""
    )
    page.get_by_label("Admin password").fill(PASSWORD)
    page.get_by_role("button", name="Upload and ingest").click()
    page.wait_for_selector(".atp-notice.atp-ok", timeout=WAIT)
    seen = page.evaluate("[...window.atpSeen]")
    assert any(re.search(r"Reading .*: page \d+ of 40", s) for s in seen), seen
    assert any(re.search(r"Embedding .*: \d+ of \d+ chunks", s) for s in seen), seen
    assert "added" in page.locator("#atp-result").inner_text()
    assert in_view(page, "#atp-result")
    shot(page, "ui-upload-result-desktop-light")

    row = page.locator("table.atp-library tr", has_text="Review of the Tirana Hotline")
    row.wait_for(timeout=WAIT)
    assert "2016" in row.inner_text()  # the PDF's copyright line, not the file name's 2012
    page.context.close()


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 80) <= height


# -- 7: the conversation survives a reload; thumbs with a comment reach the admin ------------


def test_conversation_survives_a_reload_and_feedback_reaches_the_admin(browser, app: App) -> None:
    page = open_page(browser, app)
    before = page.evaluate("localStorage.getItem('atp-conversation')")  # may hold the empty one
    answer = ask(page, REFERRAL)
    text = answer.locator(".atp-text").inner_text()
    # Saved once the answer is complete, after the Ask button is back (the browser's copy is
    # encrypted, so only that it changed is visible here).
    page.wait_for_function(
        "before => { const now = localStorage.getItem('atp-conversation');"
        " return now !== null && now !== before; }",
        arg=before,
        timeout=WAIT,
    )

    page.reload()
    page.wait_for_selector(".atp-tools", timeout=WAIT)
    assert page.locator(".atp-answer .atp-text").last.inner_text() == text
    assert REFERRAL in page.locator(".atp-question").first.inner_text()

    page.get_by_label("Dislike").last.click()
    page.wait_for_selector("#atp-comment textarea", state="visible", timeout=WAIT)
    page.fill("#atp-comment textarea", "Page 3 is right, but say the year.")
    page.get_by_role("button", name="Send comment").click()
    page.wait_for_selector("text=Comment saved", timeout=WAIT)
    shot(page, "ui-feedback-desktop-light")

    stored = [
        json.loads(line)
        for line in (app.data_dir / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    last = stored[-1]
    assert (last["rating"], last["comment"]) == ("down", "Page 3 is right, but say the year.")
    assert last["question"] == REFERRAL and last["answer"] == text
    assert any(s["title"] == DOCS["referral-handbook"]["title"] for s in last["sources"])

    page.get_by_role("tab", name="Library").click()
    page.get_by_text("Feedback on answers").click()
    page.get_by_label("Admin password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Show feedback")).click()
    page.wait_for_selector("table.atp-feedback", timeout=WAIT)
    assert "Page 3 is right, but say the year." in page.locator("table.atp-feedback").inner_text()
    page.locator("table.atp-feedback").scroll_into_view_if_needed()
    shot(page, "ui-feedback-admin-desktop-light")
    page.context.close()


# -- 10 and 7: hints for a read-only app; Stop while answering --------------------------------


@pytest.fixture(scope="module")
def read_only_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[App, FakeLLMServer]]:
    need_chromium()
    folder = tmp_path_factory.mktemp("ui-read-only")
    with FakeLLMServer(delay=0.0) as llm:
        app = App(
            folder / "data",
            folder / "app.log",
            ATP_BACKEND="openai",
            ATP_LLM_BASE_URL=f"{llm.url}/v1",
            ATP_LLM_MODEL="fake-model",
        )
        try:
            yield app, llm
        finally:
            app.stop()


def test_read_only_hints_and_stopping_an_answer(browser, read_only_app, tmp_path: Path) -> None:
    app, llm = read_only_app
    page = open_page(browser, app, "phone", "dark")
    page.wait_for_selector("text=No publication PDFs yet", timeout=WAIT)
    status = page.locator("#atp-status").inner_text()
    assert "ATP_ADMIN_PASSWORD" in status
    assert "upload PDFs in the Library tab" not in status
    no_low_contrast(page, "read-only hint")
    shot(page, "ui-hint-read-only-phone-dark")

    llm.delay = 20.0
    page.fill("#atp-question textarea", "What happened in 2017?")
    page.keyboard.press("Enter")
    stop = page.locator("#atp-stop")
    stop.wait_for(state="visible", timeout=WAIT)
    assert not page.locator("#atp-ask").is_visible()
    shot(page, "ui-stop-phone-dark")
    stop.click()
    page.wait_for_selector("text=Stopped before the answer was finished", timeout=WAIT)
    page.wait_for_selector("#atp-ask", state="visible", timeout=WAIT)
    assert not stop.is_visible()
    llm.delay = 0.0

    page.get_by_role("tab", name="Library").click()
    assert page.get_by_text("The library is read-only").is_visible()
    page.context.close()
