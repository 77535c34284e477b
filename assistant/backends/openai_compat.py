"""Any OpenAI-compatible chat server (llama.cpp, vLLM, LM Studio, a hosted API) via langchain-openai.

langchain types stay in this module: callers pass a Prompt and get text pieces back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from assistant.backends import BackendError

if TYPE_CHECKING:
    from assistant.prompt import Prompt
    from assistant.settings import AssistantSettings

INSTALL = "pip install 'icmpd-atp-assistant[{extra}]'"


class OpenAICompatBackend:
    """Streams one chat completion per prompt from the server at `base_url`."""

    rewrites = True

    def __init__(self, chat: Any, base_url: str, *, name: str, timeout: float, fix: str) -> None:
        self.name = name
        self.base_url = base_url
        self._chat = chat
        self._timeout = timeout
        self._fix = fix  # what the user should change when the server can't be reached

    def generate(self, prompt: Prompt) -> Iterator[str]:
        import openai

        try:
            for chunk in self._chat.stream(to_langchain(prompt.messages())):
                if text := chunk_text(chunk):
                    yield text
        except openai.APITimeoutError as e:  # a subclass of APIConnectionError: test it first
            raise BackendError(
                f"the model server at {self.base_url} did not answer within "
                f"{self._timeout:g} s; raise ATP_LLM_TIMEOUT or use a smaller model"
            ) from e
        except openai.APIConnectionError as e:
            raise BackendError(
                f"cannot reach the model server at {self.base_url}; {self._fix}"
            ) from e
        except openai.APIStatusError as e:
            raise BackendError(_refusal(self.base_url, e)) from e


def create(settings: AssistantSettings) -> OpenAICompatBackend:
    if not settings.llm_base_url.strip():
        raise BackendError(
            "the openai backend needs the address of an OpenAI-compatible server: "
            "set ATP_LLM_BASE_URL, e.g. ATP_LLM_BASE_URL=http://127.0.0.1:8080/v1"
        )
    return connect(
        settings.llm_base_url.strip(),
        model=settings.llm_model or "local",
        api_key=settings.llm_api_key,
        timeout=settings.llm_timeout,
        max_tokens=settings.llm_max_tokens,
    )


def connect(
    base_url: str,
    *,
    model: str,
    api_key: str,
    timeout: float,
    max_tokens: int,
    name: str = "openai",
    extra: str = "openai",
    fix: str = "check that it is running, or set ATP_LLM_BASE_URL to where it listens",
) -> OpenAICompatBackend:
    """Build the backend without touching the network; errors surface from generate()."""
    if not base_url.startswith(("http://", "https://")):
        raise BackendError(
            f"ATP_LLM_BASE_URL={base_url!r} is not an http(s) URL, "
            "e.g. ATP_LLM_BASE_URL=http://127.0.0.1:8080/v1"
        )
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as e:
        raise BackendError(
            f"the {name} backend needs langchain-openai: {INSTALL.format(extra=extra)}"
        ) from e
    chat = ChatOpenAI(
        base_url=base_url,
        api_key=api_key or "not-needed",  # local servers ignore it; the client insists on one
        model=model,
        temperature=0,
        max_tokens=max_tokens,
        timeout=timeout,
        max_retries=1,
        streaming=True,
    )
    return OpenAICompatBackend(chat, base_url, name=name, timeout=timeout, fix=fix)


def to_langchain(messages: list[dict[str, str]]) -> list[Any]:
    """Prompt.messages() dicts as langchain messages (shared with the ollama backend)."""
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    return [kinds[m["role"]](content=m["content"]) for m in messages]


def chunk_text(chunk: Any) -> str:
    """The text of a streamed chunk; content is a str, or a list of blocks on some providers."""
    content = chunk.content
    if isinstance(content, str):
        return content
    return "".join(
        b if isinstance(b, str) else b.get("text", "")
        for b in content
        if isinstance(b, str) or b.get("type") == "text"
    )


def _refusal(base_url: str, error: Any) -> str:
    """One line saying what the server objected to and which setting likely fixes it."""
    body = error.body
    detail = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(detail, dict):
        detail = detail.get("message", detail)
    said = " ".join(str(detail or error.message).split())[:300]
    hint = {
        401: "; set ATP_LLM_API_KEY",
        403: "; set ATP_LLM_API_KEY",
        404: "; check ATP_LLM_MODEL and that ATP_LLM_BASE_URL ends in /v1",
    }.get(error.status_code, "")
    return f"the model server at {base_url} refused the request (HTTP {error.status_code}: {said}){hint}"
