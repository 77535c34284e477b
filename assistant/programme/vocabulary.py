"""The words users type for the records' fields and wording, read from vocabulary.json."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources

from assistant.text import stem, tokens


@dataclass(frozen=True)
class Vocabulary:
    words: dict[str, list[str]]  # the records' word -> what users type for it
    generic: list[str]  # words that say nothing about which record is meant
    intents: dict[str, list[str]]  # kind of question -> phrases that ask it
    fields: dict[str, dict[str, list[str]]]  # field -> value -> phrases naming it
    record_words: dict[str, list[str]]  # a word a record also holds when it holds one of these
    countable: list[str]  # what a count over the records can count
    terms: list[str] = ()  # names of things in which an intent's word asks nothing ("first aid")

    @cached_property
    def record_families(self) -> dict[str, str]:
        return {
            t: tokens(canon)[0]
            for canon, ws in self.record_words.items()
            for w in ws
            for t in tokens(w)
        }

    def counts_records(self, text: str) -> bool:
        """Whether "how many X" counts records (publications, milestones), not something else."""
        return bool(self._counted.search(text) or re.search(r"\bhow many\b\W*$", text))

    @cached_property
    def _counted(self) -> re.Pattern[str]:
        nouns = "|".join(re.escape(n) for n in sorted(self.countable, key=len, reverse=True))
        # "how many of the catalogued publications": "of the" and one word may stand between
        return re.compile(
            rf"\b(?:how many|number of)(?:\W+of(?:\W+(?:the|its|their|his|her))?)?"
            rf"(?:\W+[\w'-]+)?\W+(?:{nouns})(?![\w-])"
        )

    @cached_property
    def generic_tokens(self) -> frozenset[str]:
        # A stopword's own stem too: "list" is a stopword, "listed" stems to "list".
        return frozenset(
            {t for w in self.generic for t in tokens(w)} | set(map(stem, self.generic))
        )

    @cached_property
    def _rewrites(self) -> list[tuple[re.Pattern[str], str]]:
        pairs = [(v, k) for k, vs in self.words.items() for v in vs if v != k]
        pairs.sort(key=lambda p: -len(p[0]))
        return [(_phrase(v), k) for v, k in pairs]

    def normalise(self, question: str) -> str:
        """The question in the records' words ("launched" -> "established")."""
        text = question.lower().replace("’", "'")
        for pattern, word in self._rewrites:
            text = pattern.sub(word, text)
        return text

    def intents_of(self, text: str) -> set[str]:
        found = {name for name, phrases in self.intents.items() if _any(phrases, text)}
        # "the first decade" is a period and a "first responder" a person, not the earliest
        without_spans = _SPAN.sub(" ", text)
        for term in self.terms:
            without_spans = _phrase(term).sub(" ", without_spans)
        for name in ("first", "latest"):
            if name in found and not _any(self.intents[name], without_spans):
                found.discard(name)
        return found

    def facets_of(self, text: str) -> tuple[dict[str, set[str]], str]:
        """The field values the text names, and the text with their phrases taken out."""
        found: dict[str, set[str]] = {}
        rest = text
        for name, values in self.fields.items():
            for value, phrases in values.items():
                if _any([value.lower(), *phrases], text):
                    found.setdefault(name, set()).add(value)
        for phrase in sorted(
            {p for vs in self.fields.values() for v, ps in vs.items() for p in [v.lower(), *ps]},
            key=len,
            reverse=True,
        ):
            rest = _phrase(phrase).sub(" ", rest)
        return found, rest

    def strip_intents(self, text: str) -> str:
        """The text without the phrases that ask how; a type ("studies") stays a word to match."""
        phrases = {p for name, ps in self.intents.items() if name != "types" for p in ps}
        phrases = sorted(phrases, key=len, reverse=True)
        for phrase in phrases:
            text = _phrase(phrase).sub(" ", text)
        return text


# A span of time counted from an end: "the first decade", "the last five years", "past years".
_SPAN = re.compile(
    r"\b(?:first|last|past|latest|recent|early)\s+(?:(?:\d+|two|three|four|five|six|seven|"
    r"eight|nine|ten|few|couple of)\s+)?(?:decades?|years)\b"
)


@cache
def _phrase(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(phrase.lower())}(?![\w-])")


def _any(phrases: list[str], text: str) -> bool:
    return any(_phrase(p).search(text) for p in phrases)


def load() -> Vocabulary:
    raw = resources.files("assistant.programme").joinpath("vocabulary.json").read_text("utf-8")
    data = json.loads(raw)
    return Vocabulary(
        data["words"],
        data["generic"],
        data["intents"],
        data["fields"],
        data["record_words"],
        data["countable"],
        data.get("terms", []),
    )


VOCABULARY = load()
