"""Assistant settings: one row per setting, read from ATP_* variables (see vectorstore.settings)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vectorstore.settings import load_settings, setting

BACKEND_NAMES = ("extractive", "openai", "ollama", "llamacpp")
JUDGE_NAMES = ("fitted", "rules")  # assistant.judging.JUDGES


@dataclass(frozen=True)
class AssistantSettings:
    backend: str = setting("extractive", "Answer backend.", choices=BACKEND_NAMES)
    top_k: int = setting(6, "Passages given to the answerer.", minimum=1)
    judge: str = setting(
        "fitted", "What decides whether the passages answer the question.", choices=JUDGE_NAMES
    )
    min_score: float = setting(
        -1.0,
        "The judge's score below which the answer says the sources don't cover it "
        "(-1 means the threshold it was calibrated with).",
    )
    llm_model: str = setting("", "Model name for the openai/ollama backends.")
    llm_base_url: str = setting(
        "", "Base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1."
    )
    llm_api_key: str = setting("not-needed", "API key for the OpenAI-compatible server.")
    ollama_host: str = setting("http://127.0.0.1:11434", "Ollama server URL.")
    gguf_path: str = setting(
        "", "GGUF model for the llamacpp backend; empty means the packaged SmolLM2."
    )
    llm_timeout: float = setting(120.0, "Seconds to wait for an LLM backend.", minimum=1)
    llm_max_tokens: int = setting(400, "Longest generated answer, in tokens.", minimum=16)
    llm_threads: int = setting(2, "CPU threads for the in-process llamacpp backend.", minimum=1)
    reader: str = setting(
        "none",
        "Sentence reader (assistant.reading): none, atp-minilm (shipped, trained here), or any "
        "sentence-transformers CrossEncoder folder or hub model name.",
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> AssistantSettings:
        return load_settings(cls, env, **overrides)
