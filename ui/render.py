"""HTML for answers, source cards and the library: every piece of document text is escaped.

Chat messages go through Gradio's Markdown renderer, so each fragment is one line of HTML:
inside an HTML block Markdown is left alone, and a blank line would end the block.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Iterable
from urllib.parse import quote, urlencode, urlparse

from assistant import WORD, Answer, Source, tokens
from ui.feedback import Feedback
from vectorstore.records import DocumentInfo

MARKER = re.compile(r"\[(\d+)\]")
EMPTY = "The index is empty"
NO_PDFS = "No publication PDFs yet"
# What to do next depends on the mode: a read-only library cannot take uploads.
ADD_HINT = "run `python -m ingest`, or upload PDFs in the Library tab"
READ_ONLY_HINT = (
    "run `python -m ingest` (uploads in the Library tab need the app started with "
    "ATP_ADMIN_PASSWORD)"
)
COMMON_IDF = math.log(2)  # a word in half the passages or more carries no match of its own
QUOTE_IN_LINK = 300  # characters of a quote a viewer link carries, to find it on the page
Weigh = Callable[[str], float]


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def lines(text: str) -> str:
    """Escaped text with its line breaks kept, on one line of HTML."""
    return "<br>".join(esc(part) for part in text.splitlines())


def preformatted(text: str) -> str:
    """Escaped text for a <pre>, its newlines as character references (see the module doc)."""
    return esc(text).replace("\n", "&#10;")


def distinctive(
    question: str, weigh: Weigh | None = None, within: set[str] | None = None
) -> set[str]:
    """The question's words that carry a match (those `within` a passage, if given): with the
    index's IDF as `weigh`, common words go and many words are cut to the rarest third (at
    most four); without it, every word."""
    terms = [t for t in dict.fromkeys(tokens(question)) if within is None or t in within]
    if weigh is None or len(terms) <= 1:
        return set(terms)
    ranked = sorted(terms, key=weigh, reverse=True)
    rare = [t for t in ranked if weigh(t) >= COMMON_IDF] or ranked[:1]
    keep = len(rare) if len(rare) <= 3 else min(4, max(2, math.ceil(len(terms) / 3)))
    return set(rare[:keep])


def highlight(text: str, question: str, weigh: Weigh | None = None) -> str:
    """Escaped text with the words matching the question's distinctive words in <mark>."""
    wanted = distinctive(question, weigh, set(tokens(text)))
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


def viewer_link(doc_id: str, page: int, label: str | None = None, passage: str = "") -> str:
    """The app's PDF.js viewer at a physical page, highlighting `passage` there."""
    query = {"doc": doc_id, "page": str(page)}
    if label and label != str(page):
        query["label"] = label
    if passage:
        query["q"] = passage[:QUOTE_IN_LINK]
    return f"/viewer?{urlencode(query)}"


def page_text(page: int, label: str | None) -> str:
    """p. 10, or p. 10 (printed 9) when the printed number differs."""
    printed = f" (printed {label})" if label and label != str(page) else ""
    return f"p. {page}{printed}"


def question_html(question: str) -> str:
    return f'<div class="atp-question">{lines(question)}</div>'


def pending_html(text: str = "") -> str:
    """The answer while the backend writes it; the checked answer replaces it."""
    body = lines(text) if text else '<span class="atp-muted">Searching the publications…</span>'
    return f'<div class="atp-answer atp-streaming"><div class="atp-text">{body}▍</div></div>'


def error_html(message: str) -> str:
    return f'<div class="atp-answer atp-error"><div class="atp-text">⚠ {lines(message)}</div></div>'


def why(answer: Answer) -> str:
    """A refusal's strongest reason as one plain line, unless the answer's text already says it."""
    first = answer.why[0] if answer.refused and answer.why else ""
    if not first or first.lower() in answer.text.lower():
        return ""
    return f"Why: {first[:1].upper()}{first[1:]}."


def answer_html(
    answer: Answer, turn: int, pdf_ids: Iterable[str] = (), weigh: Weigh | None = None
) -> str:
    """The checked answer with linked [n] markers, its source cards and a copy button."""
    pdf_ids = set(pdf_ids)
    text = MARKER.sub(
        lambda m: f'<a class="atp-cite" href="#atp-{turn}-{m.group(1)}">[{m.group(1)}]</a>',
        lines(answer.text),
    )
    kind = " atp-refused" if answer.refused else ""
    parts = [
        f'<div class="atp-answer{kind}">',
        f'<div class="atp-text">{text}</div>',
        f'<div class="atp-why">{esc(why(answer))}</div>',
    ]
    if answer.sources:
        heading = "Related reading" if answer.refused else "Sources"
        parts.append(f'<div class="atp-sources"><div class="atp-sources-head">{heading}</div>')
        parts += [source_html(s, answer.question, turn, pdf_ids, weigh) for s in answer.sources]
        parts.append("</div>")
    meta = f"{answer.backend} · {answer.seconds:.1f} s" if answer.backend else ""
    parts.append(
        '<div class="atp-tools"><button class="atp-copy" type="button" '
        'title="Copy the answer and its sources as plain text">Copy answer with sources</button>'
        f'<span class="atp-meta">{esc(meta)}</span></div>'
        f'<pre class="atp-copytext">{preformatted(answer.as_text())}</pre></div>'
    )
    return "".join(parts)


def source_html(
    source: Source, question: str, turn: int, pdf_ids: set[str], weigh: Weigh | None = None
) -> str:
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
        if page:
            href = viewer_link(pdf_id, page, source.page_label, source.quote)
            text = f"Open at {page_text(page, source.page_label)}, passage highlighted"
        else:
            href, text = pdf_link(pdf_id), "Open the PDF"
        links.append(
            f'<a class="atp-pdf" href="{esc(href)}" target="_blank" rel="noopener">{text}</a>'
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
        f'<blockquote class="atp-quote">{highlight(source.quote, question, weigh)}</blockquote>'
        f'<div class="atp-links">{"".join(links)}</div></div>'
    )


def _page(source: Source) -> str:
    if not source.page:
        return ""
    return f'<span class="atp-page">{esc(page_text(source.page, source.page_label))}</span>'


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
            f"<td{_basis(d.year_basis)}>{esc(d.year or '—')}</td><td>{esc(d.doc_type)}</td>"
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


def _basis(year_basis: str) -> str:
    """Where the year was read, as the year cell's tooltip."""
    return f' title="year from {esc(year_basis)}"' if year_basis else ""


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
    can_upload: bool = True,
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
        hint = ADD_HINT if can_upload else READ_ONLY_HINT
        pills.append((f"{EMPTY if not docs else NO_PDFS}: {hint}", "atp-busy"))
    return _pills(pills)


def _pills(pills: list[tuple[str, str]]) -> str:
    items = "".join(f'<span class="atp-pill {kind}">{esc(text)}</span>' for text, kind in pills)
    return f'<div class="atp-status">{items}</div>'


def feedback_html(entries: Iterable[Feedback]) -> str:
    """The admin's list of users' thumbs and comments, newest first."""
    rows = []
    for e in entries:
        sources = "; ".join(
            f"[{s.get('n')}] {s.get('title', '')}"
            + (f", {page_text(s['page'], s.get('page_label'))}" if s.get("page") else "")
            for s in e.sources
        )
        thumb = "Up (helpful)" if e.rating == "up" else "Down (wrong or unhelpful)"
        rows.append(
            "<tr>"
            f"<td class='atp-nowrap'>{esc(_when(e.at))}</td>"
            f"<td class='atp-nowrap'>{thumb}</td>"
            f"<td>{esc(e.comment or '—')}</td>"
            f"<td>{esc(e.question)}</td>"
            f"<td>{lines(e.answer)}</td>"
            f"<td>{esc(sources)}</td>"
            "</tr>"
        )
    if not rows:
        return '<p class="atp-muted">No feedback yet.</p>'
    head = "".join(
        f"<th>{h}</th>"
        for h in ("When (UTC)", "Rating", "Comment", "Question", "Answer", "Sources")
    )
    return (
        f'<div class="atp-table-wrap"><table class="atp-library atp-feedback"><thead><tr>{head}'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
