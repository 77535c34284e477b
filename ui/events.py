"""Gradio event functions too small for a handler class: the status line, thumbs and their
comments, and the admin actions with Gradio's progress."""

from __future__ import annotations

from typing import Any

import gradio as gr

from ui import render
from ui.chat import ChatHandlers
from ui.library import LibraryHandlers
from ui.services import Services

# Gradio spots a Progress default and reports through it for the event that is running.
PROGRESS = gr.Progress()


def status(services: Services) -> str:
    """The line under the header: what is indexed and what is running in the background."""
    can_upload = bool(services.app_settings.admin_password)
    try:
        docs = services.documents()
    except Exception as exc:
        return render.status_html(None, services.activity, services.warming, str(exc), can_upload)
    return render.status_html(docs, services.activity, services.warming, None, can_upload)


def pdf_ids(services: Services) -> set[str]:
    """The kept PDFs' ids, or none while the index cannot be read (the status line says why)."""
    try:
        return services.pdf_ids()
    except Exception:
        return set()


def doc_types(services: Services) -> list[str]:
    """The indexed publication types, or none while the index cannot be read."""
    try:
        return services.doc_types()
    except Exception:
        return []


def busy() -> tuple:
    """While an answer runs, Stop takes Ask's place."""
    return gr.Button(visible=False), gr.Button(visible=True)


def idle() -> tuple:
    return gr.Button(visible=True), gr.Button(visible=False)


def feedback(chat: ChatHandlers) -> tuple[Any, Any]:
    """The thumbs' and the comment's events."""

    def liked(done: list, event: gr.LikeData) -> tuple:
        entry = chat.rate(done, event.index, event.liked)
        if entry is None:
            return None, gr.Row(visible=False), "", ""
        said = "helpful" if entry.rating == "up" else "wrong or unhelpful"
        note = render.notice_html(f"Noted as {said}.", "ok")
        return entry, gr.Row(visible=True), "", note

    def commented(entry, text: str) -> tuple:
        stored = chat.comment(entry, text)
        note = "Comment saved with the answer. Thank you." if stored else "No comment given."
        return gr.Row(visible=False), "", render.notice_html(note, "ok" if stored else "info")

    return liked, commented


def admin_actions(library: LibraryHandlers) -> tuple[Any, Any, Any]:
    """Upload, remove and re-ingest, each reporting progress through Gradio."""

    def do_upload(files, title, year, doc_type, password, progress=PROGRESS):
        """The chosen files stay chosen unless something went in (a wrong password, say)."""
        html, went_in = library.add_uploads(files, title, year, doc_type, password, progress)
        return html, (None if went_in else gr.skip())

    def do_remove(doc_id, password, progress=PROGRESS):
        return library.remove(doc_id, password, progress)

    def do_reingest(password, progress=PROGRESS):
        return library.reingest(password, progress)

    return do_upload, do_remove, do_reingest
