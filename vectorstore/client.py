"""Embedded or server Chroma behind one constructor, so the rest never asks which it has."""

from __future__ import annotations

import logging

import chromadb
from chromadb.api import ClientAPI
from chromadb.config import Settings

from vectorstore.errors import StoreUnavailable
from vectorstore.settings import StoreSettings

# Chroma's telemetry would try the network on every start; this project runs offline.
_CHROMA_SETTINGS = Settings(anonymized_telemetry=False, allow_reset=False)
logging.getLogger("chromadb.telemetry").setLevel(logging.CRITICAL)


def connect(settings: StoreSettings) -> ClientAPI:
    if settings.chroma_mode == "server":
        return _server(settings)
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=_CHROMA_SETTINGS)


def _server(settings: StoreSettings) -> ClientAPI:
    where = f"{settings.chroma_host}:{settings.chroma_port}"
    try:
        client = chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=_CHROMA_SETTINGS
        )
        client.heartbeat()
    except Exception as exc:
        raise StoreUnavailable(
            f"cannot reach the Chroma server at {where} ({type(exc).__name__}). Start it with "
            f"`chroma run --path DIR --host {settings.chroma_host} --port {settings.chroma_port}`, "
            "or set ATP_CHROMA_MODE=embedded"
        ) from exc
    return client
