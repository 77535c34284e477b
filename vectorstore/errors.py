"""Errors of the index; the edges (CLI, app) show their message as it is."""

from __future__ import annotations


class StoreError(RuntimeError):
    """Something about the index went wrong; the message says what to do next."""


class StoreUnavailable(StoreError):
    """The Chroma server cannot be reached; retrying later may work."""
