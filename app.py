"""The web app: `python app.py [--host H] [--port P] [--data-dir DIR]` (console script `atp-app`).

Thin on purpose: it builds the services, lays out the components and wires their events to
the handlers in `ui/`, which answer through `assistant` and ingest through `ingest`.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline: no phoning home

import click
import gradio as gr
from fastapi import FastAPI

from ingest.catalogue import TYPES
from ui import events, theme, timeline
from ui.chat import EXAMPLES, YEAR_MAX, YEAR_MIN, ChatHandlers, conversation_secret, saved
from ui.library import LibraryHandlers
from ui.pdfs import pdf_router
from ui.services import STOP_GRACE_S, Services
from vectorstore.settings import SettingsError

log = logging.getLogger("atp.app")
TITLE = "ICMPD Anti-Trafficking Programme assistant"
TYPE_HELP = "None ticked means all types."


def build_app(services: Services) -> gr.Blocks:
    """All tabs and their events; nothing here touches the index until a page asks."""
    chat = ChatHandlers(services)
    library = LibraryHandlers(services)
    locked = library.read_only

    # Uploaded files wait in Gradio's cache until ingested copies are made; clear it hourly.
    with gr.Blocks(
        title=TITLE, analytics_enabled=False, fill_width=True, delete_cache=(3600, 3600)
    ) as demo:
        gr.HTML(theme.header(TITLE), elem_id="atp-header")
        status_line = gr.HTML(elem_id="atp-status")
        exchanges = gr.State([])
        # Kept in the browser's localStorage, so a reload keeps the conversation.
        kept = gr.BrowserState(
            [], storage_key="atp-conversation", secret=conversation_secret(services.data_dir)
        )
        rated = gr.State(None)  # the last thumb given, which a comment is added to
        known_types = gr.State([])  # the type filter's choices as this page last got them
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=300):
                    chatbot = gr.Chatbot(
                        label="Conversation",
                        show_label=False,
                        height=620,
                        latex_delimiters=[],
                        examples=[{"text": q} for q in EXAMPLES],
                        placeholder="Ask a question, or pick an example.",
                        buttons=[],
                        feedback_options=("Like", "Dislike"),
                        elem_id="atp-chat",
                    )
                    with gr.Row(visible=False, elem_id="atp-feedback") as feedback_row:
                        comment = gr.Textbox(
                            label="Thanks. What was right or wrong about it? (optional)",
                            lines=1,
                            max_lines=4,
                            scale=5,
                            elem_id="atp-comment",
                        )
                        send_comment = gr.Button("Send comment", scale=1, min_width=120)
                    feedback_note = gr.HTML(elem_id="atp-feedback-note")
                    with gr.Row(elem_id="atp-ask-row"):
                        box = gr.Textbox(
                            placeholder="Ask about the programme or its publications…",
                            show_label=False,
                            lines=1,
                            max_lines=6,
                            scale=6,
                            elem_id="atp-question",
                        )
                        send = gr.Button(
                            "Ask", variant="primary", scale=1, min_width=90, elem_id="atp-ask"
                        )
                        stop = gr.Button(
                            "■ Stop",
                            variant="stop",
                            scale=1,
                            min_width=90,
                            visible=False,
                            elem_id="atp-stop",
                        )
                    with gr.Row():
                        retry = gr.Button("↻ Retry last question", size="sm")
                        clear = gr.Button("✕ Clear conversation", size="sm")
                with gr.Column(scale=1, min_width=260):
                    backend = gr.Dropdown(
                        services.backend_names(),
                        value=services.assistant_settings.backend,
                        label="Answer backend",
                        info="extractive quotes the sources and needs no LLM.",
                    )
                    year_from = gr.Slider(
                        YEAR_MIN, YEAR_MAX, value=YEAR_MIN, step=1, label="From year"
                    )
                    year_to = gr.Slider(
                        YEAR_MIN,
                        YEAR_MAX,
                        value=YEAR_MAX,
                        step=1,
                        label="To year",
                        info="At the ends: no limit. A limit leaves out undated documents.",
                    )
                    types = gr.CheckboxGroup([], label="Publication types", info=TYPE_HELP)
            with gr.Tab("Timeline", id="timeline") as timeline_tab:
                gr.Markdown(
                    "Programme milestones (circles) above the line, its publications (diamonds) "
                    "below. Hover for details; choose a year to read its milestones."
                )
                # Drawn when the tab opens: plotly sizes a figure to its container, and a hidden
                # tab has no width yet.
                plot = gr.Plot(show_label=False)
                year = gr.Radio(timeline.years(), label="Choose a year")
                year_info = gr.HTML(timeline.year_html(None))
                ask_year = gr.Button(
                    "Ask the assistant about this year", variant="primary", interactive=False
                )
            with gr.Tab("Library", id="library"):
                gr.HTML(library.mode())
                table = gr.HTML()
                with gr.Accordion("Add, remove or re-ingest documents", open=not locked):
                    password = gr.Textbox(
                        label="Admin password", type="password", interactive=not locked
                    )
                    with gr.Row():
                        with gr.Column(scale=2):
                            files = gr.File(
                                label="PDFs to upload",
                                file_count="multiple",
                                file_types=[".pdf"],
                                interactive=not locked,
                                elem_id="atp-library-files",
                            )
                        with gr.Column(scale=1):
                            title = gr.Textbox(
                                label="Title (one file only; empty: from the PDF)",
                                interactive=not locked,
                            )
                            doc_year = gr.Textbox(
                                label="Year",
                                placeholder="empty: read from the PDF",
                                max_lines=1,
                                interactive=not locked,
                            )
                            doc_type = gr.Dropdown(
                                ["publication", *TYPES],
                                value="publication",
                                label="Type",
                                interactive=not locked,
                            )
                            upload = gr.Button(
                                "Upload and ingest", variant="primary", interactive=not locked
                            )
                    # Right under the buttons, where the user is looking when a run ends.
                    result = gr.HTML(elem_id="atp-result")
                    with gr.Row():
                        remove_id = gr.Dropdown(
                            [], label="Document to remove", scale=3, interactive=not locked
                        )
                        remove = gr.Button(
                            "Remove", variant="stop", scale=1, interactive=not locked
                        )
                        reingest = gr.Button("Re-ingest all", scale=1, interactive=not locked)
                with gr.Accordion("Feedback on answers", open=False, visible=not locked):
                    gr.Markdown(
                        "Thumbs and comments users gave, newest first, with the question, the "
                        f"answer and its sources (kept in `{library.feedback_file}`)."
                    )
                    show_feedback = gr.Button("Show feedback (needs the admin password)")
                    feedback_table = gr.HTML()
        timer = gr.Timer(3.0)

        # -- events ------------------------------------------------------------------------
        options = [backend, year_from, year_to, types]
        chatting = {"concurrency_limit": 4, "show_progress": "minimal"}

        # Named endpoints, so scripts (bench/load_test.py) can drive the chat and the library
        # through gradio_client; each client is a session with its own conversation state.
        # While an answer runs, Stop takes Ask's place.
        def keep(done: list) -> list:
            return saved(done)

        toggles = [send, stop]
        asking = [box, exchanges, *options]
        answered = [chatbot, exchanges, box]
        running = []

        def answering(event, fn, inputs, **extra):
            """fn streams an answer after `event`; Stop can cancel it; the result is kept."""
            started = event(events.busy, None, toggles, queue=False, show_progress="hidden")
            run = started.then(fn, inputs, answered, **chatting, **extra)
            running.append(run)
            run.then(events.idle, None, toggles, queue=False, show_progress="hidden").then(
                keep, exchanges, kept, show_progress="hidden"
            )
            return run

        answering(send.click, chat.respond, asking, api_name="ask")
        answering(box.submit, chat.respond, asking)
        answering(retry.click, chat.retry, [exchanges, *options])

        def pick_example(event: gr.SelectData) -> str:
            return event.value["text"]

        answering(chatbot.example_select(pick_example, None, box).then, chat.respond, asking)
        clear.click(chat.clear, None, answered).then(keep, exchanges, kept)

        liked, commented = events.feedback(chat)
        chatbot.like(
            liked, exchanges, [rated, feedback_row, comment, feedback_note], show_progress="hidden"
        )
        for trigger in (send_comment.click, comment.submit):
            trigger(commented, [rated, comment], [feedback_row, comment, feedback_note])
        demo.load(chat.reopen, kept, [chatbot, exchanges], show_progress="hidden")

        timeline_tab.select(timeline.figure, None, plot, show_progress="hidden")
        year.change(
            lambda y: (
                timeline.year_html(y, events.pdf_ids(services)),
                gr.Button(interactive=y is not None),
            ),
            year,
            [year_info, ask_year],
        )
        answering(
            ask_year.click(
                lambda y: (f"What happened in {y}?", gr.Tabs(selected="chat")), year, [box, tabs]
            ).then,
            chat.respond,
            asking,
        )

        # After every answering event is defined: Stop cancels whichever is running.
        stop.click(
            chat.stop, exchanges, [chatbot, exchanges], cancels=running, show_progress="hidden"
        ).then(events.idle, None, toggles, show_progress="hidden").then(
            keep, exchanges, kept, show_progress="hidden"
        )

        def refresh() -> tuple:
            kinds = events.doc_types(services)
            return (
                events.status(services),
                library.table(),
                gr.Dropdown(choices=library.choices(), value=None),
                gr.CheckboxGroup(choices=kinds),
                kinds,
            )

        def tick(known: list[str]) -> tuple:
            """The status line, and the type filter once a background ingest changed the types."""
            kinds = events.doc_types(services)
            return (
                events.status(services),
                gr.CheckboxGroup(choices=kinds) if kinds != known else gr.skip(),
                kinds,
            )

        refreshed = [status_line, table, remove_id, types, known_types]

        do_upload, do_remove, do_reingest = events.admin_actions(library)
        admin = {"concurrency_limit": 1}
        into_view = "() => document.getElementById('atp-result')?.scrollIntoView({block: 'center'})"
        upload.click(
            do_upload,
            [files, title, doc_year, doc_type, password],
            [result, files],
            api_name="upload",
            **admin,
        ).then(None, js=into_view).then(refresh, None, refreshed)
        remove.click(do_remove, [remove_id, password], result, **admin).then(
            None, js=into_view
        ).then(refresh, None, refreshed)
        reingest.click(do_reingest, password, result, **admin).then(None, js=into_view).then(
            refresh, None, refreshed
        )
        show_feedback.click(library.feedback, password, feedback_table)
        demo.load(refresh, None, refreshed, show_progress="hidden")
        timer.tick(tick, known_types, [status_line, types, known_types], show_progress="hidden")
    demo.queue(default_concurrency_limit=2)
    return demo


def create_server(services: Services, demo: gr.Blocks | None = None) -> FastAPI:
    """The Gradio UI mounted at / on a FastAPI app that also serves /pdf/{doc_id}."""
    demo = demo or build_app(services)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(pdf_router(services))
    return gr.mount_gradio_app(
        app,
        demo,
        path="",
        server_name=services.app_settings.host,
        server_port=services.app_settings.port,
        footer_links=[],
        run_history=False,
        max_file_size=services.max_upload_bytes,
        ssr_mode=False,
        show_error=False,
        theme=theme.theme(),
        css=theme.CSS,
        head=theme.HEAD,
    )


@click.command()
@click.option("--host", default=None, help="Address to listen on [ATP_HOST; 127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port [ATP_PORT; 7860].")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Index, kept PDFs and uploads [ATP_DATA_DIR; ./data].",
)
def cli(host: str | None, port: int | None, data_dir: Path | None) -> None:
    """Serve the assistant's web app (chat, timeline, library)."""
    import uvicorn

    started = time.perf_counter()
    try:
        services = Services.from_env(data_dir, host=host, port=port)
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from exc
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    log.setLevel(logging.INFO)
    server = create_server(services)
    settings = services.app_settings
    mode = "read-only library" if not settings.admin_password else "admin password set"
    click.echo(
        f"{TITLE}: http://{settings.host}:{settings.port} "
        f"(data: {services.data_dir}; {mode}; built in {time.perf_counter() - started:.1f} s)"
    )
    services.start_background()
    grace = {"timeout_graceful_shutdown": STOP_GRACE_S}
    uvicorn.run(server, host=settings.host, port=settings.port, log_level="warning", **grace)


def main() -> None:
    cli(prog_name="atp-app")


if __name__ == "__main__":
    main()
