"""Thumbs up/down on answers, with an optional comment, kept in DATA_DIR/feedback.jsonl.

Append-only: a comment added later is a second line with the same id, and the reader keeps the
last line per id, so a crash mid-write loses at most that line and nothing before it.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant import Answer

FILE_NAME = "feedback.jsonl"
MAX_COMMENT = 2000  # characters kept of a comment


@dataclass(frozen=True)
class Feedback:
    """One rating of one answer, with what was asked and shown, so it can be judged later."""

    id: str
    rating: str  # "up" or "down"
    question: str
    answer: str
    refused: bool
    sources: list[dict[str, Any]]
    backend: str = ""
    comment: str = ""
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @classmethod
    def of(cls, answer: Answer, liked: bool, comment: str = "") -> Feedback:
        return cls(
            id=uuid.uuid4().hex[:12],
            rating="up" if liked else "down",
            question=answer.question,
            answer=answer.text,
            refused=answer.refused,
            sources=[s.to_json() for s in answer.sources],
            backend=answer.backend,
            comment=comment[:MAX_COMMENT],
        )


class FeedbackLog:
    """The JSONL file; one writer lock per log, since handlers run in several threads."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FILE_NAME
        self._lock = threading.Lock()

    def add(self, feedback: Feedback) -> Feedback:
        line = json.dumps(asdict(feedback), ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        return feedback

    def entries(self) -> list[Feedback]:
        """Newest first, the last line of each id; unreadable lines are skipped, not fatal."""
        if not self.path.is_file():
            return []
        latest: dict[str, Feedback] = {}
        known = set(Feedback.__dataclass_fields__)
        for raw in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                data = json.loads(raw)
                entry = Feedback(**{k: v for k, v in data.items() if k in known})
            except (ValueError, TypeError):
                continue
            latest.pop(entry.id, None)  # re-inserted, so order follows the latest line
            latest[entry.id] = entry
        return list(reversed(latest.values()))
