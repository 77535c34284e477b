"""The Timeline tab: the programme's milestones 2002-2023 and its publications, as a plotly figure."""

from __future__ import annotations

import textwrap
from collections import defaultdict
from urllib.parse import urlparse

import plotly.graph_objects as go

from ingest import catalogue
from ui import render

MILESTONE_COLOUR = "#0f766e"
PUBLICATION_COLOUR = "#d97706"


def years() -> list[int]:
    """The infographic's year labels, oldest first."""
    return sorted({m.year_label for m in catalogue.milestones()})


def _hover(text: str) -> str:
    return "<br>".join(render.esc(line) for line in textwrap.wrap(text, 60))


def figure() -> go.Figure:
    """Milestones stacked above their year label, publications below the axis by year."""
    by_year: dict[int, list[catalogue.Milestone]] = defaultdict(list)
    for ms in catalogue.milestones():
        by_year[ms.year_label].append(ms)
    xs, ys, hovers = [], [], []
    for year, items in sorted(by_year.items()):
        for i, ms in enumerate(items):
            xs.append(year)
            ys.append(i + 1)
            hovers.append(f"<b>{year}</b><br>{_hover(ms.statement)}")
    pubs_by_year: dict[int, list[catalogue.Publication]] = defaultdict(list)
    for pub in catalogue.publications():
        pubs_by_year[pub.year].append(pub)
    pxs, pys, phovers = [], [], []
    for year, pubs in sorted(pubs_by_year.items()):
        for i, pub in enumerate(pubs):
            pxs.append(year)
            pys.append(-(i + 1))
            phovers.append(f"<b>{year} · {render.esc(pub.type)}</b><br>{_hover(pub.title)}")
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers",
            name="Milestones",
            marker={"size": 15, "color": MILESTONE_COLOUR, "line": {"width": 2, "color": "white"}},
            hovertext=hovers,
            hoverinfo="text",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=pxs,
            y=pys,
            mode="markers",
            name="Publications",
            marker={
                "size": 12,
                "symbol": "diamond",
                "color": PUBLICATION_COLOUR,
                "line": {"width": 1.5, "color": "white"},
            },
            hovertext=phovers,
            hoverinfo="text",
        )
    )
    for year in years():
        fig.add_vline(x=year, line={"color": "#cbd5e1", "width": 1, "dash": "dot"}, layer="below")
    fig.add_hline(y=0, line={"color": "#475569", "width": 2}, layer="below")
    fig.update_layout(
        height=420,
        margin={"l": 20, "r": 20, "t": 30, "b": 40},
        plot_bgcolor="white",
        paper_bgcolor="white",
        hoverlabel={"bgcolor": "white", "font_size": 13},
        legend={"orientation": "h", "y": 1.08, "x": 0},
        xaxis={
            "range": [2001, 2024],
            "tickmode": "array",
            "tickvals": list(range(catalogue.FIRST_YEAR, catalogue.LAST_YEAR + 1)),
            "tickangle": 0,
            "tickfont": {"size": 11},
            "showgrid": False,
            "title": None,
        },
        yaxis={"visible": False, "range": [-5.5, 6.5]},
        font={"family": "system-ui, sans-serif"},
    )
    return fig


def year_html(year: int | None, pdf_ids: set[str] | frozenset[str] = frozenset()) -> str:
    """That year's milestones with links to their sources, and publications of its period."""
    if year is None:
        return '<p class="atp-muted">Choose a year to see what the programme did.</p>'
    items = [m for m in catalogue.milestones() if m.year_label == year]
    pubs = {p.id: p for p in catalogue.publications()}
    if not items:
        return f'<p class="atp-muted">No milestones are recorded for {render.esc(year)}.</p>'
    start, end = items[0].period
    span = f"{start}–{end}" if start != end else str(end)
    parts = [
        f'<div class="atp-year-head"><span class="atp-year-big">{render.esc(year)}</span>'
        f'<span class="atp-muted">covers {render.esc(span)} in the programme timeline</span></div>'
    ]
    for ms in items:
        links = []
        for pid in ms.publication_ids:
            pub = pubs.get(pid)
            if pub is None:
                continue
            label = f"{render.esc(pub.title)} ({pub.year})"
            if pid in pdf_ids:
                links.append(
                    f'<a href="{render.esc(render.pdf_link(pid))}" target="_blank" rel="noopener">'
                    f"{label}</a> (PDF)"
                )
            elif url := render.safe_url(pub.url):
                links.append(
                    f'<a href="{render.esc(url)}" target="_blank" rel="noopener">{label} ↗</a>'
                )
        for link in ms.links:
            if url := render.safe_url(link):
                host = urlparse(url).hostname or url
                links.append(
                    f'<a href="{render.esc(url)}" target="_blank" rel="noopener">'
                    f"{render.esc(host)} ↗</a>"
                )
        sources = f'<div class="atp-links">{" · ".join(links)}</div>' if links else ""
        parts.append(
            f'<div class="atp-card atp-milestone"><div class="atp-quote">'
            f"{render.esc(ms.statement)}</div>{sources}</div>"
        )
    return "".join(parts)
