"""HTML for answers, source cards and the library: every piece of document text is escaped.

Chat messages go through Gradio's Markdown renderer, so each fragment is one line of HTML:
inside an HTML block Markdown is left alone, and a blank line would end the block.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import quote, urlparse

from assistant.answer import Answer, Source
from assistant.text import WORD, tokens
from vectorstore.records import DocumentInfo

MARKER = re.compile(r"\[(\d+)\]")
EMPTY_HINT = "The index is empty: run `python -m ingest`, or upload PDFs in the Library tab"
NO_PDFS_HINT = "No publication PDFs yet: run `python -m ingest`, or upload PDFs in the Library tab"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def lines(text: str) -> str:
    """Escaped text with its line breaks kept, on one line of HTML."""
    return "<br>".join(esc(part) for part in text.splitlines())


def preformatted(text: str) -> str:
    """Escaped text for a <pre>, its newlines as character references (see the module doc)."""
    return esc(text).replace("\n", "&#10;")


def highlight(text: str, question: str) -> str:
    """Escaped text with the words that match the question's (stemmed) words in <mark>."""
    wanted = set(tokens(question))
    out, pos = [], 0
    for match in WORD.finditer(text):
        if wanted & set(tokens(match.group())):
            out += [esc(text[pos : match.start()]), f"<mark>{esc(match.group())}</mark>"]
            pos = match.end()
    out.append(esc(text[pos:]))
    return "".join(out).replace("\n", " ")


def safe_url(url: str | None) -> str | None:
    """Only http(s) links leave the app: a PDF's metadata could say javascript:."""
    if not url or urlparse(url).scheme not in {"http", "https"}:
        return None
    return url


def pdf_link(doc_id: str, page: int | None = None) -> str:
    anchor = f"#page={page}" if page else ""
    return f"/pdf/{quote(doc_id, safe='')}{anchor}"


def question_html(question: str) -> str:
    return f'<div class="atp-question">{lines(question)}</div>'


def pending_html(text: str = "") -> str:
    """The answer while the backend writes it; the checked answer replaces it."""
    body = lines(text) if text else '<span class="atp-muted">Searching the publications…</span>'
    return f'<div class="atp-answer atp-streaming"><div class="atp-text">{body}▍</div></div>'


def error_html(message: str) -> str:
    return f'<div class="atp-answer atp-error"><div class="atp-text">⚠ {lines(message)}</div></div>'


def answer_html(answer: Answer, turn: int, pdf_ids: Iterable[str] = ()) -> str:
    """The checked answer with linked [n] markers, its source cards and a copy button."""
    pdf_ids = set(pdf_ids)
    text = MARKER.sub(
        lambda m: f'<a class="atp-cite" href="#atp-{turn}-{m.group(1)}">[{m.group(1)}]</a>',
        lines(answer.text),
    )
    kind = " atp-refused" if answer.refused else ""
    parts = [f'<div class="atp-answer{kind}">', f'<div class="atp-text">{text}</div>']
    if answer.sources:
        heading = "Related reading" if answer.refused else "Sources"
        parts.append(f'<div class="atp-sources"><div class="atp-sources-head">{heading}</div>')
        parts += [source_html(s, answer.question, turn, pdf_ids) for s in answer.sources]
        parts.append("</div>")
    meta = f"{answer.backend} · {answer.seconds:.1f} s" if answer.backend else ""
    parts.append(
        '<div class="atp-tools"><button class="atp-copy" type="button" '
        'title="Copy the answer and its sources as plain text">Copy answer with sources</button>'
        f'<span class="atp-meta">{esc(meta)}</span></div>'
        f'<pre class="atp-copytext">{preformatted(answer.as_text())}</pre></div>'
    )
    return "".join(parts)


def source_html(source: Source, question: str, turn: int, pdf_ids: set[str]) -> str:
    if source.kind == "milestone":
        head = (
            f'<span class="atp-kind">Programme milestone</span>'
            f'<span class="atp-year">{esc(source.year or "")}</span>'
        )
    else:
        year = f'<span class="atp-year">{esc(source.year)}</span>' if source.year else ""
        head = f'<span class="atp-title">{esc(source.title)}</span>{year}{_page(source)}'
    links = []
    pdf_id = next((d for d in (source.doc_id, source.id) if d in pdf_ids), None)
    if pdf_id is not None:
        page = source.page if pdf_id == source.doc_id else None
        where = f" at page {page}" if page else ""
        links.append(
            f'<a class="atp-pdf" href="{esc(pdf_link(pdf_id, page))}" target="_blank" '
            f'rel="noopener">Open the PDF{where}</a>'
        )
    url = safe_url(source.url)
    if url:
        label = "Related publication" if source.kind == "milestone" else "Original"
        links.append(
            f'<a class="atp-orig" href="{esc(url)}" target="_blank" rel="noopener">{label} ↗</a>'
        )
    return (
        f'<div class="atp-card" id="atp-{turn}-{source.n}">'
        f'<div class="atp-card-head"><span class="atp-n">{source.n}</span>{head}</div>'
        f'<blockquote class="atp-quote">{highlight(source.quote, question)}</blockquote>'
        f'<div class="atp-links">{"".join(links)}</div></div>'
    )


def _page(source: Source) -> str:
    if not source.page:
        return ""
    printed = (
        f" (printed {esc(source.page_label)})"
        if source.page_label and source.page_label != str(source.page)
        else ""
    )
    return f'<span class="atp-page">p. {source.page}{printed}</span>'


def library_html(docs: list[DocumentInfo], pdf_ids: Iterable[str] = ()) -> str:
    if not docs:
        return '<p class="atp-muted">Nothing is ingested yet.</p>'
    pdf_ids = set(pdf_ids)
    rows = []
    for d in docs:
        title = esc(d.title)
        if d.id in pdf_ids:
            title = f'<a href="{esc(pdf_link(d.id))}" target="_blank" rel="noopener">{title}</a>'
        empty = ""
        if d.empty_pages:
            shown = ", ".join(str(p) for p in d.empty_pages[:5])
            more = ", …" if len(d.empty_pages) > 5 else ""
            empty = f"{len(d.empty_pages)} <span class='atp-muted'>(p. {shown}{more})</span>"
        notes = [w for w in d.warnings if "no text layer" not in w]
        rows.append(
            "<tr>"
            f'<td><div class="atp-doc-title">{title}</div>'
            f'<div class="atp-doc-id">{esc(d.id)}</div></td>'
            f"<td>{esc(d.year or '—')}</td><td>{esc(d.doc_type)}</td>"
            f"<td class='atp-num'>{esc(d.pages or '—')}</td><td class='atp-num'>{d.chunks}</td>"
            f"<td class='atp-nowrap'>{esc(_when(d.ingested_at))}</td>"
            f"<td>{empty}</td><td>{esc('; '.join(notes))}</td>"
            "</tr>"
        )
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "Document",
            "Year",
            "Type",
            "Pages",
            "Chunks",
            "Ingested (UTC)",
            "Pages without text",
            "Warnings",
        )
    )
    return (
        f'<div class="atp-table-wrap"><table class="atp-library"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _when(stamp: str) -> str:
    """2026-11-28T14:13:49+00:00 -> 2026-11-28 14:13."""
    return stamp[:16].replace("T", " ") if stamp else "—"


def notice_html(message: str, kind: str = "info") -> str:
    """A status box: kind is info, ok, warn or error."""
    return f'<div class="atp-notice atp-{esc(kind)}">{lines(message)}</div>'


def status_html(
    docs: list[DocumentInfo] | None,
    activity: str | None,
    warming: bool = False,
    error: str | None = None,
) -> str:
    """Pills under the header: what is indexed, and what runs in the background."""
    if docs is None:
        return _pills([(f"Index unavailable: {error}", "atp-bad")])
    pubs = sum(1 for d in docs if d.kind == "publication" and d.pages)
    records = {d.id: d.chunks for d in docs if not d.pages}
    pills = [(f"{pubs} publication PDFs", "")]
    for doc_id, label in (("milestones", "milestones"), ("catalogue", "catalogue records")):
        if records.get(doc_id):
            pills.append((f"{records[doc_id]} {label}", ""))
    if activity:
        pills.append((f"Working: {activity}…", "atp-busy"))
    elif warming and docs:
        pills.append(("Loading the search model…", "atp-busy"))
    if not pubs and not activity:
        pills.append((EMPTY_HINT if not docs else NO_PDFS_HINT, "atp-busy"))
    return _pills(pills)


def _pills(pills: list[tuple[str, str]]) -> str:
    items = "".join(f'<span class="atp-pill {kind}">{esc(text)}</span>' for text, kind in pills)
    return f'<div class="atp-status">{items}</div>'
