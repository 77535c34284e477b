"""Settings of the web app: one row per setting, read from ATP_* variables (see vectorstore.settings)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vectorstore.settings import load_settings, setting


@dataclass(frozen=True)
class AppSettings:
    host: str = setting(
        "127.0.0.1", "Address the web app listens on (0.0.0.0 exposes it to the network)."
    )
    port: int = setting(7860, "Port of the web app.", minimum=1)
    admin_password: str = setting(
        "",
        "Password for uploads, removal and re-ingest in the Library tab; empty keeps the "
        "library read-only.",
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> AppSettings:
        return load_settings(cls, env, **overrides)

    def __repr__(self) -> str:  # never print the password into a log
        hidden = "set" if self.admin_password else "unset"
        return f"AppSettings(host={self.host!r}, port={self.port}, admin_password={hidden})"
