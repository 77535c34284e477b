"""Errors raised while ingesting; the CLI and the app turn them into one-line reports."""

from __future__ import annotations


class IngestError(Exception):
    """A document could not be ingested; `source` names it, `reason` says why in plain words."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class DownloadError(IngestError):
    """The publication could not be fetched (network, HTTP status, size, not a PDF)."""


class UnreadablePdf(IngestError):
    """The file is not a PDF pypdf can read; the subclass says which way it is broken."""


class NotAPdf(UnreadablePdf):
    """The bytes do not start with a PDF signature (HTML error page, image, text...)."""


class EmptyPdf(UnreadablePdf):
    """Zero bytes, or a PDF without a single page."""


class EncryptedPdf(UnreadablePdf):
    """Password-protected and not openable with an empty password."""


class CorruptPdf(UnreadablePdf):
    """Starts like a PDF but its structure cannot be parsed."""


class CatalogueError(IngestError):
    """The packaged catalogue is inconsistent (a bug in the package data, not user input)."""
