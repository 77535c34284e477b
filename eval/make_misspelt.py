"""Write misspelt1t_questions.jsonl: questions of training and read sets with one or two long
words misspelt as people do (a letter dropped, doubled or swapped), lower-cased and without
the question mark. Run from the project root; the output is a training set."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

SOURCES = ["heldout8", "heldout9", "heldout10", "heldout18", "heldout19"]
PER_SET = 16


def misspell(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 2)
    how = rng.choice(["drop", "double", "swap"])
    if how == "drop":
        return word[:i] + word[i + 1 :]
    if how == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def main() -> None:
    here = Path(__file__).parent
    rng = random.Random(5)
    out = []
    for name in SOURCES:
        rows = [json.loads(x) for x in (here / f"{name}_questions.jsonl").open()]
        for q in rng.sample([r for r in rows if not r.get("history")], PER_SET):
            words = re.findall(r"[A-Za-z]{7,}", q["question"])
            text = q["question"]
            for w in rng.sample(words, min(len(words), rng.choice([1, 2]))):
                text = text.replace(w, misspell(w, rng), 1)
            text = text.lower().rstrip("?").strip()
            out.append({**q, "id": f"m1-{q['id']}", "category": "misspelt", "question": text})
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out)
    (here / "misspelt1t_questions.jsonl").write_text(body, encoding="utf-8")


if __name__ == "__main__":
    main()
