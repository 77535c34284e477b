"""Check the corpus evaluation questions against the PDFs they cite.

Usage: python eval/check_questions.py [CORPUS_DIR] [QUESTIONS_JSONL]

Verifies that ids are unique, that every record follows the schema, that each
expected document exists, that its pages are in range (1-based physical pages)
and that every key fact occurs (case-insensitive, whitespace collapsed) on one
of the expected pages. Prints a summary and exits with 1 if anything is wrong.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

from pypdf import PdfReader

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus"
DEFAULT_QUESTIONS = HERE / "corpus_questions.jsonl"

CATEGORIES = ("corpus", "multi", "followup", "unanswerable")
REQUIRED = {"id", "category", "question", "expected", "key_facts", "answerable"}
OPTIONAL = {"history"}


def slug(stem: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


class Corpus:
    """Opens each PDF once and extracts only the pages that are asked for."""

    def __init__(self, directory: Path) -> None:
        self.paths = {slug(p.stem): p for p in sorted(directory.glob("*.pdf"))}
        self._readers: dict[str, PdfReader] = {}
        self._pages: dict[tuple[str, int], str] = {}

    def reader(self, doc: str) -> PdfReader:
        if doc not in self._readers:
            self._readers[doc] = PdfReader(str(self.paths[doc]))
        return self._readers[doc]

    def page_count(self, doc: str) -> int:
        return len(self.reader(doc).pages)

    def page_text(self, doc: str, page: int) -> str:
        key = (doc, page)
        if key not in self._pages:
            self._pages[key] = norm(self.reader(doc).pages[page - 1].extract_text() or "")
        return self._pages[key]


def check_history(history: object) -> list[str]:
    if not isinstance(history, list) or not history:
        return ["followup needs a non-empty 'history' list"]
    problems = []
    for turn in history:
        if (
            not isinstance(turn, dict)
            or turn.get("role") not in ("user", "assistant")
            or not isinstance(turn.get("content"), str)
            or not turn["content"].strip()
        ):
            problems.append(f"bad history turn: {turn!r}")
    return problems


def check_shape(rec: dict) -> list[str]:
    problems = []
    keys = set(rec)
    if REQUIRED - keys:
        problems.append(f"missing keys {sorted(REQUIRED - keys)}")
        return problems
    if keys - REQUIRED - OPTIONAL:
        problems.append(f"unknown keys {sorted(keys - REQUIRED - OPTIONAL)}")
    cat = rec["category"]
    if cat not in CATEGORIES:
        problems.append(f"unknown category {cat!r}")
    if not isinstance(rec["question"], str) or not rec["question"].strip():
        problems.append("empty question")
    if not isinstance(rec["expected"], list) or not isinstance(rec["key_facts"], list):
        problems.append("'expected' and 'key_facts' must be lists")
        return problems
    if cat == "followup" or (cat == "unanswerable" and "history" in rec):
        problems += check_history(rec.get("history"))  # an unanswerable follow-up has one too
    elif "history" in rec:
        problems.append("only follow-up and unanswerable questions have a history")
    if cat == "unanswerable":
        if rec["answerable"] is not False or rec["expected"] or rec["key_facts"]:
            problems.append("unanswerable needs answerable=false, expected=[], key_facts=[]")
        return problems
    if rec["answerable"] is not True:
        problems.append("answerable must be true")
    wanted = 2 if cat == "multi" else 1
    docs = [e.get("doc") for e in rec["expected"] if isinstance(e, dict)]
    if len(docs) != len(rec["expected"]) or len(docs) != wanted or len(set(docs)) != wanted:
        problems.append(f"{cat} needs {wanted} expected entries with distinct docs")
    if not 1 <= len(rec["key_facts"]) <= 3:
        problems.append("needs 1 to 3 key facts")
    for fact in rec["key_facts"]:
        if not isinstance(fact, str) or not 1 <= len(fact.split()) <= 6:
            problems.append(f"key fact must be a string of 1-6 words: {fact!r}")
    return problems


def check_pages(rec: dict, corpus: Corpus) -> list[str]:
    problems = []
    facts = [norm(f) for f in rec["key_facts"]]
    found: set[str] = set()
    for entry in rec["expected"]:
        doc, pages = entry.get("doc"), entry.get("pages")
        if doc not in corpus.paths:
            problems.append(f"unknown doc {doc!r}")
            continue
        ok_pages = (
            isinstance(pages, list)
            and pages
            and all(isinstance(p, int) and not isinstance(p, bool) for p in pages)
            and len(set(pages)) == len(pages)
        )
        if not ok_pages:
            problems.append(f"{doc}: pages must be a non-empty list of distinct ints")
            continue
        count = corpus.page_count(doc)
        bad = [p for p in pages if not 1 <= p <= count]
        if bad:
            problems.append(f"{doc}: pages {bad} out of range 1..{count}")
            continue
        text = " ".join(corpus.page_text(doc, p) for p in pages)
        here = {f for f in facts if f in text}
        if rec["category"] == "multi" and not here:
            problems.append(f"{doc}: no key fact on pages {pages}")
        found |= here
    for fact in facts:
        if fact not in found:
            problems.append(f"key fact not on any expected page: {fact!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("questions", nargs="?", type=Path, default=DEFAULT_QUESTIONS)
    args = parser.parse_args(argv)

    corpus = Corpus(args.corpus)
    if not corpus.paths:
        print(f"no PDFs in {args.corpus}", file=sys.stderr)
        return 1

    problems: list[str] = []
    ids: Counter[str] = Counter()
    per_category: Counter[str] = Counter()
    per_doc: Counter[str] = Counter()
    lines = args.questions.read_text(encoding="utf-8").splitlines()
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {lineno}: invalid JSON ({exc})")
            continue
        if not isinstance(rec, dict):
            problems.append(f"line {lineno}: not a JSON object")
            continue
        rid = rec.get("id")
        ids[rid] += 1
        errors = check_shape(rec)
        if not errors and rec["category"] != "unanswerable":
            errors = check_pages(rec, corpus)
        problems += [f"line {lineno} ({rid}): {e}" for e in errors]
        per_category[rec.get("category")] += 1
        for entry in rec.get("expected") or []:
            if isinstance(entry, dict):
                per_doc[entry.get("doc")] += 1

    problems += [f"duplicate id {rid!r} ({n} times)" for rid, n in ids.items() if n > 1]
    problems += [f"id must be a non-empty string: {rid!r}" for rid in ids if not rid]

    print(f"{sum(per_category.values())} questions in {args.questions}")
    for cat in CATEGORIES:
        print(f"  {cat:<13} {per_category[cat]}")
    print("expected entries per document:")
    for doc in corpus.paths:
        print(f"  {per_doc[doc]:>3}  {doc}")
    missing = [doc for doc in corpus.paths if not per_doc[doc]]
    if missing:
        print(f"documents without questions: {', '.join(missing)}")
    for problem in problems:
        print(f"PROBLEM {problem}", file=sys.stderr)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
