"""The programme's timeline and catalogue answered as records: questions are matched to the
records' fields (year, period, kind of work, regions, partners, audience, type, linked
publications) as well as their words, and answered with each sentence citing its record."""

from assistant.programme.answers import Programme

__all__ = ["Programme"]
