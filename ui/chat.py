"""The Chat tab's handlers: stream an answer, then show the checked one with its sources.

The conversation lives in a list of Exchange (gr.State); the Chatbot only displays it, so
retry and follow-up questions never parse HTML back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from assistant.answer import Answer
from assistant.backends import BackendError
from assistant.chat import clean_question
from assistant.prompt import Turn
from assistant.retrieval import Filters
from ui import render
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

Message = dict[str, str]
Update = tuple[list[Message], list["Exchange"], str]


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


def messages(exchanges: Sequence[Exchange], pdf_ids: set[str] | None = None) -> list[Message]:
    """The chat's HTML. Without current `pdf_ids` (not looked up yet, or the index is down),
    each answer keeps the PDF links it had, rather than losing them all."""
    out: list[Message] = []
    for turn, ex in enumerate(exchanges):
        out.append({"role": "user", "content": render.question_html(ex.question)})
        if ex.answer is not None:
            links = ex.pdf_ids if pdf_ids is None else pdf_ids
            content = render.answer_html(ex.answer, turn, links)
        elif ex.error is not None:
            content = render.error_html(ex.error)
        else:
            content = render.pending_html(ex.partial or "")
        out.append({"role": "assistant", "content": content})
    return out


class ChatHandlers:
    def __init__(self, services: Services) -> None:
        self.services = services

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
        current = Exchange(question)
        pdf_ids: set[str] | None = None
        yield messages([*done, current]), done, ""
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
                    yield messages([*done, current], pdf_ids), done, ""
        except Exception as exc:
            current = replace(current, error=describe(exc), partial=None)
        if current.answer is None and current.error is None:
            current = replace(current, error="The answerer stopped without an answer; try again.")
        done = [*done, current]
        yield messages(done, pdf_ids), done, ""

    def retry(self, exchanges: list[Exchange] | None, *options) -> Iterator[Update]:
        """Ask the last question again (after a server came back, or with other options)."""
        done = list(exchanges or [])
        if not done:
            yield [], [], ""
            return
        yield from self.respond(done[-1].question, done[:-1], *options)

    def clear(self) -> Update:
        return [], [], ""


def describe(exc: Exception) -> str:
    """Words for the chat, not a traceback (that goes to the log)."""
    if isinstance(exc, StoreUnavailable):
        return (
            f"The index cannot be reached right now: {exc.problem.rstrip('.')}. "
            "Nothing was lost; press Retry when it is back."
        )
    if isinstance(exc, StoreError | EmbeddingModelError | BackendError):
        return f"{exc}"
    log.exception("answering failed")
    return (
        f"Something went wrong while answering ({type(exc).__name__}: {exc}). "
        "The details are in the app's log; please try again."
    )
