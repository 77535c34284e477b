"""Retrieval, the first stage of a question: dense and keyword search over the index
(`search`), the keyword index with its spelling (`keyword`), the periods a question names
(`periods`), and the evidence the passages hold for it (`evidence`), which the judge weighs."""

from assistant.retrieval.search import Filters, Retrieval, Retriever

__all__ = ["Filters", "Retrieval", "Retriever"]
