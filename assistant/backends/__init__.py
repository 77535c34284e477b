"""Answer generators behind one small interface, chosen by name in configuration.

The offline extractive answerer is an entry like any other. SDKs are imported inside each
`create`, so `import assistant` works without any optional extra installed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from assistant.prompt import Prompt
    from assistant.settings import AssistantSettings


class BackendError(RuntimeError):
    """The backend cannot run (missing extra, server down); the message says what to do."""


class Backend(Protocol):
    name: str
    # Whether it can rewrite a follow-up to stand on its own
    # (assistant.conversation.followup.rewritten).
    rewrites: bool

    def generate(self, prompt: Prompt) -> Iterator[str]:
        """Yield pieces of the answer text, with [n] markers pointing at prompt.passages."""
        ...


def _extractive(settings: AssistantSettings) -> Backend:
    from assistant.backends import extractive

    return extractive.create(settings)


def _openai(settings: AssistantSettings) -> Backend:
    from assistant.backends import openai_compat

    return openai_compat.create(settings)


def _ollama(settings: AssistantSettings) -> Backend:
    from assistant.backends import ollama

    return ollama.create(settings)


def _llamacpp(settings: AssistantSettings) -> Backend:
    from assistant.backends import llamacpp

    return llamacpp.create(settings)


BACKENDS: dict[str, Callable[[AssistantSettings], Backend]] = {
    "extractive": _extractive,
    "openai": _openai,
    "ollama": _ollama,
    "llamacpp": _llamacpp,
}


def get_backend(name: str, settings: AssistantSettings) -> Backend:
    try:
        factory = BACKENDS[name]
    except KeyError:
        raise BackendError(
            f"unknown answer backend {name!r}; choose one of: {', '.join(BACKENDS)}"
        ) from None
    return factory(settings)
