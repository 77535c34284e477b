"""Write standalone1_questions.jsonl: questions of training and read sets that stand on their
own, each asked after an unrelated question about another document. A judge of follow-ups
must answer them exactly as when they are asked alone. Run from the project root."""

from __future__ import annotations

import json
import random
from pathlib import Path

SOURCES = ["heldout2", "heldout3", "heldout4", "heldout5", "heldout6", "heldout7"]
PER_SET = 20


def main() -> None:
    here = Path(__file__).parent
    rng = random.Random(19)
    rows = {s: [json.loads(x) for x in (here / f"{s}_questions.jsonl").open()] for s in SOURCES}
    out = []
    for name, questions in rows.items():
        others = [q for s, qs in rows.items() if s != name for q in qs if q.get("answerable", True)]
        for q in rng.sample([q for q in questions if not q.get("history")], PER_SET):
            docs = {e.get("doc") for e in q.get("expected", [])}
            before = rng.choice(
                [o for o in others if not docs & {e.get("doc") for e in o.get("expected", [])}]
            )
            history = [
                {"role": "user", "content": before["question"]},
                {"role": "assistant", "content": "; ".join(before.get("key_facts", [])) or "..."},
            ]
            out.append({**q, "id": f"s1-{q['id']}", "category": "standalone", "history": history})
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out)
    (here / "standalone1_questions.jsonl").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
