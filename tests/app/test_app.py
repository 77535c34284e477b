"""app.py: settings precedence, the CLI, the built Blocks and server, and start-up behaviour."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

import app
from assistant.settings import AssistantSettings
from tests.app.conftest import make_services
from ui import events, timeline
from ui.chat import ChatHandlers
from ui.services import Services
from ui.settings import AppSettings
from vectorstore.embeddings import Embedder


def test_settings_precedence_argument_environment_default(monkeypatch, tmp_path: Path) -> None:
    assert (AppSettings.from_env({}).host, AppSettings.from_env({}).port) == ("127.0.0.1", 7860)
    monkeypatch.setenv("ATP_HOST", "0.0.0.0")
    monkeypatch.setenv("ATP_PORT", "9000")
    monkeypatch.setenv("ATP_ADMIN_PASSWORD", "pw")

    services = Services.from_env(tmp_path / "d", port=9100)

    assert (services.app_settings.host, services.app_settings.port) == ("0.0.0.0", 9100)
    assert services.app_settings.admin_password == "pw"
    assert "pw" not in repr(services.app_settings)
    assert services.data_dir == (tmp_path / "d").resolve()


def test_bad_settings_fail_at_start_naming_the_variable(monkeypatch) -> None:
    monkeypatch.setenv("ATP_PORT", "eighty")

    result = CliRunner().invoke(app.cli, [])

    assert result.exit_code == 2
    assert "ATP_PORT='eighty' is not valid: expected a whole number" in result.output


def test_help_names_the_options() -> None:
    result = CliRunner().invoke(app.cli, ["--help"])

    assert result.exit_code == 0
    for option in ("--host", "--port", "--data-dir", "ATP_HOST"):
        assert option in result.output


def test_backends_offered_are_the_configured_one_and_extractive(tmp_path: Path) -> None:
    services = Services.from_env(tmp_path)
    assert services.backend_names() == ["extractive"]
    services.assistant_settings = AssistantSettings(backend="ollama")
    assert services.backend_names() == ["ollama", "extractive"]


def test_build_app_and_server(services: Services) -> None:
    demo = app.build_app(services)
    server = app.create_server(services, demo)

    assert isinstance(demo, gr.Blocks)
    client = TestClient(server)
    assert client.get("/pdf/referral-handbook").headers["content-type"] == "application/pdf"
    assert client.get("/pdf/nothing").status_code == 404
    page = client.get("/")
    assert page.status_code == 200 and app.TITLE in page.text


def test_building_the_app_does_not_touch_the_index(tmp_path: Path) -> None:
    def refuse(settings):
        raise AssertionError("the store was opened while building the UI")

    services = Services.from_env(tmp_path)
    services.index_factory = refuse

    app.create_server(services)


def test_status_line_reports_the_index(services: Services) -> None:
    assert "2 publication PDFs" in events.status(services)
    assert "27 milestones" in events.status(services)


def test_first_start_on_an_empty_index_adds_the_records(tmp_path: Path, embedder: Embedder) -> None:
    services = make_services(tmp_path / "empty", embedder)

    services.start_background().join(timeout=120)

    ids = {d.id for d in services.documents()}
    assert ids == {"milestones", "catalogue"}
    assert services.ready and services.activity is None and not services.warming
    assert "Working" not in events.status(services)


def test_a_question_during_first_start_waits_for_the_records(
    tmp_path: Path, embedder: Embedder
) -> None:
    """Not "the index is empty": the milestones are on their way and the answer uses them."""
    services = make_services(tmp_path / "empty", embedder)
    services.start_background()

    *_, (chat, _, _) = ChatHandlers(services).respond("What happened in 2017?", [])

    text = str(chat[-1]["content"])
    assert "index is empty" not in text
    assert "first non-UN organisation" in text


def test_start_up_failure_is_kept_for_the_status_and_retried(tmp_path: Path) -> None:
    from vectorstore.errors import StoreUnavailable

    services = Services.from_env(tmp_path)

    def down(settings):
        raise StoreUnavailable("cannot reach the Chroma server at 127.0.0.1:1")

    services.index_factory = down
    services.start_background().join(timeout=30)

    assert not services.ready and "cannot reach" in (services.startup_error or "")
    assert "Index unavailable" in events.status(services)


def test_timeline_figure_and_year_details() -> None:
    figure = timeline.figure()
    milestones, publications = figure.data

    assert len(milestones.x) == 27 and len(publications.x) == 22
    assert min(milestones.x) == 2002 and max(milestones.x) == 2023
    assert timeline.years()[0] == 2002 and timeline.years()[-1] == 2023
    html = timeline.year_html(2017)
    assert "first non-UN organisation" in html and 'href="https://icat.un.org/"' in html
    linked = timeline.year_html(2014, {"how-to-investigate-training-manual"})
    assert 'href="/pdf/how-to-investigate-training-manual"' in linked
    assert "Choose a year" in timeline.year_html(None)
    assert "No milestones" in timeline.year_html(2003)


@pytest.mark.parametrize("name", ["app.py", "ui"])
def test_app_layer_stays_thin(name: str) -> None:
    root = Path(app.__file__).parent
    sizes = (
        [(root / name).stat().st_size]
        if name.endswith(".py")
        else [p.stat().st_size for p in (root / name).glob("*.py")]
    )
    assert max(sizes) < 16_000  # small modules, as STYLE.md asks
