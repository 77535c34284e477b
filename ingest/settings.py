"""Ingestion settings: one row per setting, read from ATP_* variables (see vectorstore.settings)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vectorstore.settings import load_settings, setting


@dataclass(frozen=True)
class IngestSettings:
    chunk_size: int = setting(900, "Characters per chunk (chunks never cross a page).", minimum=100)
    chunk_overlap: int = setting(150, "Characters shared by neighbouring chunks.", minimum=0)
    max_download_mb: int = setting(
        200, "Largest PDF accepted, for downloads and uploads.", minimum=1
    )
    download_timeout: float = setting(
        30.0, "Seconds to wait for a server's next bytes.", minimum=0.1
    )
    download_retries: int = setting(
        3, "Extra attempts after a transient download failure.", minimum=0
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> IngestSettings:
        settings = load_settings(cls, env, **overrides)
        if settings.chunk_overlap >= settings.chunk_size:
            raise_overlap(settings)
        return settings

    @property
    def index_key(self) -> str:
        """What, besides the bytes, decides the chunks: a change here re-chunks everything."""
        return f"chunks={self.chunk_size}/{self.chunk_overlap}"


def raise_overlap(settings: IngestSettings) -> None:
    from vectorstore.settings import SettingsError

    raise SettingsError(
        f"ATP_CHUNK_OVERLAP={settings.chunk_overlap} is not valid: expected less than "
        f"ATP_CHUNK_SIZE ({settings.chunk_size})"
    )
