"""A small interface over Chroma shared by `ingest` (writer) and `assistant` (reader)."""

from vectorstore.settings import StoreSettings


def open_store(settings: StoreSettings):
    """The one way to get a Store from settings (for the CLIs and the app, which build things)."""
    from vectorstore.client import connect
    from vectorstore.embeddings import Embedder
    from vectorstore.store import Store

    return Store(
        connect(settings),
        Embedder(settings.embedding_model, settings.embed_batch),
        settings.collection,
    )
