"""A backend that replays queued replies and records the prompts it was given.

It exists only for outputs no real model gives on demand: a citation [7] when there are three
passages, an empty reply, a planted instruction obeyed word for word. Everything else is tested
with the real extractive backend (and the LLM backends against real servers).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from assistant.backends import BACKENDS
from assistant.prompt import Prompt

NAME = "scripted"


class ScriptedBackend:
    name = NAME
    rewrites = False  # a test that scripts a rewrite sets it

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.prompts: list[Prompt] = []

    def queue(self, *replies: str) -> None:
        self.replies.extend(replies)

    def generate(self, prompt: Prompt) -> Iterator[str]:
        """The next queued reply, in word-sized pieces as a streaming model sends them."""
        self.prompts.append(prompt)
        if not self.replies:
            raise AssertionError("the scripted backend was asked more often than scripted")
        reply = self.replies.pop(0)
        for i, word in enumerate(reply.split(" ")):
            yield word if i == 0 else " " + word


@contextmanager
def registered(backend: ScriptedBackend) -> Iterator[ScriptedBackend]:
    """Make `backend` available as BACKENDS["scripted"]; unregistered even when a test fails."""
    BACKENDS[NAME] = lambda settings: backend
    try:
        yield backend
    finally:
        BACKENDS.pop(NAME, None)
