"""An answer and its numbered sources: what the CLI prints, the app renders and eval scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NOT_COVERED = "The publications don't cover this question."


@dataclass(frozen=True)
class Source:
    n: int
    kind: str  # "publication" or "milestone"
    id: str  # publication or milestone id
    doc_id: str  # the indexed document the passage came from
    title: str
    year: int | None
    page: int | None
    page_label: str | None
    quote: str  # verbatim on `page` (or in the record, for page-less sources)
    url: str | None  # the original, at the page where the PDF viewer supports it
    cached_path: str | None = None  # local copy, which the app serves
    score: float = 0.0

    def citation(self) -> str:
        year = f" ({self.year})" if self.year else ""
        if self.kind == "milestone":
            return f"[{self.n}] Programme milestone, {self.year}"
        page = ""
        if self.page:
            printed = (
                f", printed page {self.page_label}"
                if self.page_label and self.page_label != str(self.page)
                else ""
            )
            page = f", p. {self.page}{printed}"
        return f"[{self.n}] {self.title}{year}{page}"

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "kind": self.kind,
            "id": self.id,
            "title": self.title,
            "year": self.year,
            "page": self.page,
            "page_label": self.page_label,
            "quote": self.quote,
            "url": self.url,
        }


@dataclass
class Answer:
    text: str
    refused: bool
    sources: list[Source]
    question: str = ""
    standalone: str = ""
    removed: list[str] = field(default_factory=list)  # generated sentences that failed the checks
    strength: float = 0.0
    backend: str = ""
    seconds: float = 0.0
    why: list[str] = field(default_factory=list)  # the judge's reasons, strongest first

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.text,
            "refused": self.refused,
            "why": self.why,
            "sources": [s.to_json() for s in self.sources],
        }

    def as_text(self) -> str:
        """The answer with its sources, for copying into a report."""
        lines = [self.text, "", "Related reading:" if self.refused else "Sources:"]
        for s in self.sources:
            lines.append(s.citation())
            lines.append(f'    "{s.quote}"')
            if s.url:
                lines.append(f"    {s.url}")
        return "\n".join(lines)
