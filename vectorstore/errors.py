"""Errors of the index; the edges (CLI, app) show their message as it is."""

from __future__ import annotations


class StoreError(RuntimeError):
    """Something about the index went wrong; the message says what to do next."""


class StoreUnavailable(StoreError):
    """The Chroma server cannot be reached; retrying later may work.

    `problem` is what went wrong without the advice, for edges that give their own (the chat
    has a Retry button; repeating "retry" after the message reads as a stutter).
    """

    def __init__(self, message: str, problem: str | None = None) -> None:
        super().__init__(message)
        self.problem = problem or message


class IndexBusy(StoreError):
    """Another process or thread is writing this data dir's index; the message names it."""

    def __init__(self, message: str, holder: str) -> None:
        super().__init__(message)
        self.holder = holder
