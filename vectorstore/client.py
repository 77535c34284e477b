"""Embedded or server Chroma behind one constructor, so the rest never asks which it has."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import chromadb
from chromadb.api import ClientAPI
from chromadb.config import Settings

from vectorstore.errors import StoreUnavailable
from vectorstore.settings import StoreSettings

logging.getLogger("chromadb.telemetry").setLevel(logging.CRITICAL)
# chromadb shares one engine per folder among a process's clients, counting references without
# a lock around lookup and removal: a client opened while another on the same folder closes can
# get a stopped engine (seen as KeyError or "no attribute 'bindings'"). Opening and closing one
# at a time keeps the count right; a reentrant lock, as closing may run from a finalizer.
_SYSTEMS = threading.RLock()


def _chroma_settings() -> Settings:
    """Fresh per client: chromadb's client constructors write host, port and path into the
    Settings they are given, so a shared instance breaks the next client for another place.
    Telemetry is off because it would try the network on every start; this project runs offline.
    """
    return Settings(anonymized_telemetry=False, allow_reset=False)


def connect(settings: StoreSettings, path: Path | None = None) -> ClientAPI:
    """The server, or an embedded folder: `path`, else the published generation (for tests and
    tools that are alone with a data dir; the app and the CLIs go through `Index`)."""
    if settings.chroma_mode == "server":
        return _server(settings)
    if path is None:
        from vectorstore.generations import Generations

        current = Generations(settings.data_dir).current()
        path = current.path if current else settings.chroma_path
    path.mkdir(parents=True, exist_ok=True)
    with _SYSTEMS:
        return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())


def close(client: ClientAPI) -> None:
    """Release a client; the last one on a folder stops Chroma's engine for it."""
    with _SYSTEMS:
        client.close()


def _server(settings: StoreSettings) -> ClientAPI:
    where = f"{settings.chroma_host}:{settings.chroma_port}"
    try:
        client = chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=_chroma_settings()
        )
        client.heartbeat()
    except Exception as exc:
        raise StoreUnavailable(
            f"cannot reach the Chroma server at {where} ({type(exc).__name__}). Start it with "
            f"`chroma run --path DIR --host {settings.chroma_host} --port {settings.chroma_port}`, "
            "or set ATP_CHROMA_MODE=embedded"
        ) from exc
    return client
