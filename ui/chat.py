"""The Chat tab's handlers: stream an answer, then show the checked one with its sources.

The conversation lives in a list of Exchange (gr.State); the Chatbot only displays it, so
retry and follow-up questions never parse HTML back.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from assistant import Answer, BackendError, Filters, ReaderError, Source, Turn, clean_question
from ui import render
from ui.feedback import Feedback, FeedbackLog
from ui.services import Services
from vectorstore.embeddings import EmbeddingModelError
from vectorstore.errors import StoreError, StoreUnavailable

log = logging.getLogger("atp.app")
YEAR_MIN, YEAR_MAX = 2000, 2030  # the year sliders' ends mean "no limit"
EXAMPLES = (
    "What happened in 2017?",
    "What is a transnational referral mechanism?",
    "How should frontline officers identify victims of trafficking?",
    "Which guidelines did ICMPD publish on national referral systems?",
    "What did the Dutch National Rapporteur report about trafficking for organ removal?",
)

STOPPED = "Stopped before the answer was finished; press Retry to ask again."
Message = dict[str, str]
Update = tuple[list[Message], list["Exchange"], str]
Weigh = Callable[[str], float]  # a word's weight in the index (IDF), for highlighting


@dataclass(frozen=True)
class Exchange:
    question: str
    answer: Answer | None = None
    error: str | None = None
    partial: str | None = None  # text streamed so far, until the checked answer arrives
    pdf_ids: frozenset[str] = frozenset()  # PDFs the app could serve when this was answered


def make_filters(
    year_from: float | None, year_to: float | None, types: Sequence[str] | None
) -> Filters:
    """Slider ends mean no limit; a reversed range is read the right way round."""
    low = int(year_from) if year_from is not None else YEAR_MIN
    high = int(year_to) if year_to is not None else YEAR_MAX
    low, high = min(low, high), max(low, high)
    return Filters(
        types=tuple(types or ()),
        year_from=low if low > YEAR_MIN else None,
        year_to=high if high < YEAR_MAX else None,
    )


def history(exchanges: Sequence[Exchange]) -> list[Turn]:
    turns: list[Turn] = []
    for ex in exchanges:
        if ex.answer is not None:
            turns += [Turn("user", ex.question), Turn("assistant", ex.answer.text)]
    return turns


def messages(
    exchanges: Sequence[Exchange], pdf_ids: set[str] | None = None, weigh: Weigh | None = None
) -> list[Message]:
    """The chat's HTML. Without current `pdf_ids` (not looked up yet, or the index is down),
    each answer keeps the PDF links it had, rather than losing them all."""
    out: list[Message] = []
    for turn, ex in enumerate(exchanges):
        out.append({"role": "user", "content": render.question_html(ex.question)})
        if ex.answer is not None:
            links = ex.pdf_ids if pdf_ids is None else pdf_ids
            content = render.answer_html(ex.answer, turn, links, weigh)
        elif ex.error is not None:
            content = render.error_html(ex.error)
        else:
            content = render.pending_html(ex.partial or "")
        out.append({"role": "assistant", "content": content})
    return out


def saved(exchanges: Sequence[Exchange] | None) -> list[dict[str, Any]]:
    """The conversation as JSON for the browser's storage; unfinished answers are left out."""
    out = []
    for ex in exchanges or []:
        if ex.partial is not None and ex.answer is None and ex.error is None:
            continue
        out.append(
            {
                "question": ex.question,
                "answer": asdict(ex.answer) if ex.answer is not None else None,
                "error": ex.error,
                "pdf_ids": sorted(ex.pdf_ids),
            }
        )
    return out


def restored(data: object) -> list[Exchange]:
    """The conversation back from the browser; anything unreadable is dropped, not fatal."""
    out: list[Exchange] = []
    for item in data if isinstance(data, list) else []:
        try:
            answer = _answer(item["answer"]) if item.get("answer") else None
            error = item.get("error")
            if answer is None and not error:
                continue
            out.append(
                Exchange(
                    question=str(item["question"]),
                    answer=answer,
                    error=str(error) if error else None,
                    pdf_ids=frozenset(map(str, item.get("pdf_ids") or ())),
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return out


def conversation_secret(data_dir: Path) -> str | None:
    """The key the browser's copy of a conversation is encrypted with, kept in the data dir so
    a restarted app can still read it; None (a key per start) if the folder is read-only."""
    path = data_dir / ".conversation-key"
    try:
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(16), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def _answer(data: dict[str, Any]) -> Answer:
    known = set(Answer.__dataclass_fields__)
    fields = {k: v for k, v in data.items() if k in known}
    source_fields = set(Source.__dataclass_fields__)
    fields["sources"] = [
        Source(**{k: v for k, v in s.items() if k in source_fields})
        for s in fields.get("sources") or []
    ]
    return Answer(**fields)


class ChatHandlers:
    def __init__(self, services: Services, feedback: FeedbackLog | None = None) -> None:
        self.services = services
        self.feedback = feedback or FeedbackLog(services.data_dir)

    def weigh(self) -> Weigh | None:
        """The keyword index's IDF when it is built; None (highlight every shared word) before."""
        try:
            return self.services.retriever.keyword_index().idf if self.services.ready else None
        except Exception:
            return None

    def reopen(self, data: object) -> tuple[list[Message], list[Exchange]]:
        """The conversation the browser kept, shown again after a reload."""
        done = restored(data)
        return messages(done, None, self.weigh()), done

    def respond(
        self,
        question: str,
        exchanges: list[Exchange] | None,
        backend: str | None = None,
        year_from: float | None = None,
        year_to: float | None = None,
        types: Sequence[str] | None = None,
    ) -> Iterator[Update]:
        """Yields (chat messages, conversation, text box) as the answer streams in."""
        done = list(exchanges or [])
        question = clean_question(question)
        if not question:
            yield messages(done), done, ""
            return
        current = Exchange(question, partial="")
        pdf_ids: set[str] | None = None
        yield messages([*done, current]), [*done, current], ""
        try:
            self.services.wait_for_warm_up()
            assistant = self.services.assistant(backend)
            pdf_ids = self.services.pdf_ids()
            filters = make_filters(year_from, year_to, types)
            text = ""
            for event in assistant.stream(question, history(done), filters):
                if isinstance(event, Answer):
                    current = replace(
                        current, answer=event, partial=None, pdf_ids=frozenset(pdf_ids)
                    )
                else:
                    text += event
                    current = replace(current, partial=text)
                    yield messages([*done, current], pdf_ids), [*done, current], ""
        except Exception as exc:
            current = replace(current, error=describe(exc), partial=None)
        if current.answer is None and current.error is None:
            current = replace(
                current, error="The answerer stopped without an answer; try again.", partial=None
            )
        done = [*done, current]
        yield messages(done, pdf_ids, self.weigh()), done, ""

    def retry(self, exchanges: list[Exchange] | None, *options) -> Iterator[Update]:
        """Ask the last question again (after a server came back, or with other options)."""
        done = list(exchanges or [])
        if not done:
            yield [], [], ""
            return
        yield from self.respond(done[-1].question, done[:-1], *options)

    def stop(self, exchanges: list[Exchange] | None) -> tuple[list[Message], list[Exchange]]:
        """After the running answer was cancelled: its question stays, marked as stopped."""
        done = list(exchanges or [])
        if done and done[-1].answer is None and done[-1].error is None:
            done[-1] = replace(done[-1], error=STOPPED, partial=None)
        return messages(done, None, self.weigh()), done

    def clear(self) -> Update:
        return [], [], ""

    def rate(
        self, exchanges: list[Exchange] | None, index: int | tuple[int, int], liked: object
    ) -> Feedback | None:
        """A thumb on the assistant message at `index` -> a stored Feedback (None: nothing to
        rate, e.g. an error message or a thumb taken back)."""
        position = index[0] if isinstance(index, tuple | list) else int(index)
        turn, is_question = divmod(position, 2)[0], position % 2 == 0  # question, answer, ...
        done = list(exchanges or [])
        if liked not in (True, False) or is_question or not 0 <= turn < len(done):
            return None
        answer = done[turn].answer
        if answer is None:
            return None
        return self.feedback.add(Feedback.of(answer, bool(liked)))

    def comment(self, rated: Feedback | None, text: str | None) -> Feedback | None:
        """The comment on the last rating, stored as that rating again with the comment."""
        text = (text or "").strip()
        if rated is None or not text:
            return None
        return self.feedback.add(replace(rated, comment=text[:2000]))


def describe(exc: Exception) -> str:
    """Words for the chat, not a traceback (that goes to the log)."""
    if isinstance(exc, StoreUnavailable):
        return (
            f"The index cannot be reached right now: {exc.problem.rstrip('.')}. "
            "Nothing was lost; press Retry when it is back."
        )
    if isinstance(exc, StoreError | EmbeddingModelError | BackendError | ReaderError):
        return f"{exc}"
    log.exception("answering failed")
    return (
        f"Something went wrong while answering ({type(exc).__name__}: {exc}). "
        "The details are in the app's log; please try again."
    )
