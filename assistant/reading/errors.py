"""Reader errors: say which reader failed and which setting chooses another."""

from __future__ import annotations


class ReaderError(RuntimeError):
    """A reader could not be loaded; the message names ATP_READER and the valid choices."""
