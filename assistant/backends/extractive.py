"""The offline default: an answer made of the retrieved sentences that best answer the question.

Every sentence is a verbatim quote followed by its marker, so it is supported by construction;
deterministic, and fast because retrieval already ranked the sentences. A page's own reference
numbers in brackets ("... would otherwise reject [3].") are left out: the citation check would
read them as markers and remove the sentence. A sentence a page opens with, begun on the page
before ("which should be taken into account ..."), is shown after an ellipsis: its quote must be
on the cited page, so its start cannot be.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from assistant.answering.choose import choose
from assistant.prompt import Prompt

if TYPE_CHECKING:
    from assistant.settings import AssistantSettings

PAGE_REFERENCE = re.compile(r"\s*\[\d+(?:\s*[,–-]\s*\d+)*\]")


class ExtractiveBackend:
    name = "extractive"
    rewrites = False  # no model to rewrite with: follow-ups are searched with the turn before

    def generate(self, prompt: Prompt) -> Iterator[str]:
        for i, c in enumerate(choose(prompt)):
            text = PAGE_REFERENCE.sub("", c.text)
            if text[:1].islower():
                text = f"…{text}"
            yield ("" if i == 0 else " ") + f"{text} [{c.n}]"


def create(settings: AssistantSettings) -> ExtractiveBackend:
    return ExtractiveBackend()
