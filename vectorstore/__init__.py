"""A small interface over Chroma shared by `ingest` (writer) and `assistant` (reader)."""

from vectorstore.settings import StoreSettings


def open_store(settings: StoreSettings):
    """A read-only Store on the published index (for the CLIs and the app, which build things);
    writers use `vectorstore.index.Index(settings).writer()`."""
    from vectorstore.index import Index

    return Index(settings).reader()
