"""Helpers for the real-browser tests of the app: `python app.py` in a subprocess, headless
Debian Chromium, the four looks (desktop and phone, light and dark), an in-page contrast check
and screenshots under artifacts/screenshots/ for a human to look at."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.processes import free_port, stop

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
WAIT = 90_000  # ms; the first question also loads the embedding model
CONTRAST_JS = (Path(__file__).parent / "contrast.js").read_text(encoding="utf-8")
# (name, viewport): the widths the issue was reported at.
VIEWS = {"desktop": {"width": 1360, "height": 900}, "phone": {"width": 390, "height": 844}}
THEMES = ("light", "dark")


def need_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium")


class App:
    """`python app.py` on a free 127.0.0.1 port with the given ATP_* settings; stop() by PID."""

    def __init__(self, data_dir: Path, log: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.log = log
        clean = {k: v for k, v in os.environ.items() if not k.startswith("ATP_")}
        clean.update(GRADIO_ANALYTICS_ENABLED="False", **env)
        started = time.perf_counter()
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "app.py", "--port", str(self.port), "--data-dir", str(data_dir)],
                cwd=ROOT,
                env=clean,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.startup_seconds = self._wait_until_up(started)

    def _wait_until_up(self, started: float) -> float:
        deadline = time.monotonic() + 300  # a loaded CI machine needs long
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"app exited:\n{self.log.read_text(errors='replace')[-3000:]}")
            try:
                if httpx.get(self.url + "/", timeout=2, trust_env=False).status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"app not up after 300 s:\n{self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        stop(self.process)


def open_page(browser, app: App, view: str = "desktop", theme: str = "light"):
    """A fresh browser context (empty localStorage) on the app in the given look."""
    context = browser.new_context(viewport=VIEWS[view], color_scheme=theme)
    page = context.new_page()
    page.goto(f"{app.url}/?__theme={theme}")
    page.wait_for_selector("#atp-question textarea", timeout=WAIT)
    return page


def ask(page, question: str):
    """Type a question, send it, and return the last answer once its tools are shown."""
    before = page.locator(".atp-tools").count()
    errors = page.locator(".atp-answer.atp-error").count()
    page.fill("#atp-question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(  # an answer, or an error shown in its place (the caller checks)
        f"document.querySelectorAll('.atp-tools').length > {before}"
        f" || document.querySelectorAll('.atp-answer.atp-error').length > {errors}",
        timeout=WAIT,
    )
    page.wait_for_selector("#atp-ask", state="visible", timeout=WAIT)
    return page.locator(".atp-answer").last


def low_contrast(page) -> list[dict]:
    """Visible text below WCAG AA (4.5:1) against its effective background."""
    return page.evaluate(CONTRAST_JS)


def shot(page, name: str, full_page: bool = False) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
