"""A small interface over Chroma shared by `ingest` (writer) and `assistant` (reader)."""

from vectorstore.settings import StoreSettings


def open_store(settings: StoreSettings):
    """The one way to get a Store from settings (for the CLIs and the app, which build things)."""
    from vectorstore.client import connect
    from vectorstore.embeddings import get_embedder
    from vectorstore.store import Store

    return Store(
        connect(settings),
        get_embedder(
            settings.embed_backend,
            settings.embedding_model,
            settings.embed_batch,
            settings.model_cache,
        ),
        settings.collection,
    )
