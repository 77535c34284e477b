"""The chat handlers while the index goes away: earlier answers keep their PDF links.

Before the fix, every re-render without a fresh PDF list (the "Searching" placeholder of each
new question, and the whole conversation once the index was unreachable) dropped the
"Open the PDF" links of all earlier answers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.conftest import make_services
from ui.chat import ChatHandlers
from vectorstore.embeddings import Embedder
from vectorstore.errors import StoreUnavailable

QUESTION = "Where was the transnational referral mechanism first piloted?"
LINK = 'href="/viewer?doc=referral-handbook&amp;page=3&amp;label=2&amp;q='


def test_earlier_answers_keep_their_pdf_links_when_the_index_goes_away(
    small_index: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = make_services(small_index, embedder)  # its own Services: the test patches it
    handlers = ChatHandlers(services)
    _, first, _ = list(handlers.respond(QUESTION, []))[-1]
    assert first[-1].answer is not None
    assert LINK in list(handlers.respond(QUESTION, []))[-1][0][1]["content"]

    def down(*args: object, **kwargs: object) -> None:
        raise StoreUnavailable(
            "the Chroma server stopped answering (ConnectError); the index is unchanged - "
            "retry when it is back",
            "the Chroma server stopped answering (ConnectError)",
        )

    monkeypatch.setattr(services, "assistant", down)
    monkeypatch.setattr(services, "pdf_ids", down)
    updates = list(handlers.respond(QUESTION, first))

    placeholder, final = updates[0][0], updates[-1][0]
    assert LINK in placeholder[1]["content"]  # while "Searching the publications"
    assert LINK in final[1]["content"]
    assert final[-1]["content"].count("retry") + final[-1]["content"].count("Retry") == 1
    assert (
        "The index cannot be reached right now: the Chroma server stopped answering"
        in (final[-1]["content"])
    )
