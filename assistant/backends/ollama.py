"""A model served by Ollama, via langchain-ollama."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from assistant.backends import BackendError
from assistant.backends.openai_compat import chunk_text, to_langchain

if TYPE_CHECKING:
    from assistant.prompt import Prompt
    from assistant.settings import AssistantSettings

INSTALL = "pip install 'icmpd-atp-assistant[ollama]'"


class OllamaBackend:
    name = "ollama"
    rewrites = True

    def __init__(self, chat: Any, host: str, model: str, timeout: float) -> None:
        self.host = host
        self.model = model
        self._chat = chat
        self._timeout = timeout

    def generate(self, prompt: Prompt) -> Iterator[str]:
        import httpx
        from ollama import ResponseError

        try:
            for chunk in self._chat.stream(to_langchain(prompt.messages())):
                if text := chunk_text(chunk):
                    yield text
        except httpx.TimeoutException as e:
            raise BackendError(
                f"Ollama at {self.host} did not answer within {self._timeout:g} s; "
                "raise ATP_LLM_TIMEOUT or use a smaller model"
            ) from e
        # The ollama client turns a refused connection into ConnectionError, but only
        # for non-streaming calls; a streamed one raises httpx's own error.
        except (ConnectionError, httpx.TransportError) as e:
            raise BackendError(
                f"cannot reach Ollama at {self.host}; start it with `ollama serve`, "
                "or set ATP_OLLAMA_HOST to where it listens"
            ) from e
        except ResponseError as e:
            if e.status_code == 404:
                raise BackendError(
                    f"Ollama at {self.host} has no model {self.model!r}; "
                    f"run `ollama pull {self.model}` or set ATP_LLM_MODEL to one `ollama list` shows"
                ) from e
            said = " ".join(str(e.error).split())[:300]
            raise BackendError(f"Ollama at {self.host} refused the request: {said}") from e


def create(settings: AssistantSettings) -> OllamaBackend:
    if not settings.llm_model.strip():
        raise BackendError(
            "the ollama backend needs a model name: set ATP_LLM_MODEL to one `ollama list` "
            "shows, e.g. ATP_LLM_MODEL=llama3.2"
        )
    host = settings.ollama_host.strip()
    if not host.startswith(("http://", "https://")):
        raise BackendError(
            f"ATP_OLLAMA_HOST={host!r} is not an http(s) URL, "
            "e.g. ATP_OLLAMA_HOST=http://127.0.0.1:11434"
        )
    try:
        from langchain_ollama import ChatOllama
    except ImportError as e:
        raise BackendError(f"the ollama backend needs langchain-ollama: {INSTALL}") from e
    chat = ChatOllama(
        base_url=host,
        model=settings.llm_model.strip(),
        temperature=0,
        num_predict=settings.llm_max_tokens,
        client_kwargs={"timeout": settings.llm_timeout},
    )
    return OllamaBackend(chat, host, settings.llm_model.strip(), settings.llm_timeout)
