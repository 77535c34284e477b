"""The evaluation's question sets (eval/sets.toml) and the bars their groups are held to
(eval/bars.toml): which questions are scored together, and against which figures."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATUSES = ("training", "read", "blind")


@dataclass(frozen=True)
class QuestionSet:
    name: str
    path: Path
    status: str
    kind: str
    fit: bool = True  # the shipped models are fitted on it (`fit = false`: scored only)


@dataclass(frozen=True)
class Group:
    """Sets scored together; `bar` is None for sets no bar covers yet (scored, no verdict)."""

    name: str
    sets: tuple[QuestionSet, ...]
    bar: Path | None = None
    at_least: int = 0

    @property
    def paths(self) -> list[Path]:
        return [s.path for s in self.sets]

    def only(self, status: str) -> bool:
        """Every set of the group has this status."""
        return all(s.status == status for s in self.sets)


class SetsError(ValueError):
    """sets.toml or bars.toml is inconsistent; the message names the file and the entry."""


def load_sets(path: Path) -> list[QuestionSet]:
    rows = tomllib.loads(path.read_text(encoding="utf-8")).get("sets", {})
    out = []
    for name, row in rows.items():
        status, kind = row.get("status"), row.get("kind")
        if status not in STATUSES:
            raise SetsError(f"{path}: [sets.{name}] status={status!r}, expected one of {STATUSES}")
        if not kind or "file" not in row:
            raise SetsError(f"{path}: [sets.{name}] needs a file and a kind")
        fit = row.get("fit", True)
        if not isinstance(fit, bool):
            raise SetsError(f"{path}: [sets.{name}] fit={fit!r}, expected true or false")
        out.append(QuestionSet(name, path.parent / row["file"], status, kind, fit))
    return out


def group_sets(sets: list[QuestionSet], bars_path: Path) -> list[Group]:
    """Each set joins the first group in bars.toml whose status and kind lists match it
    (a missing list matches anything); the rest form one unbarred group per status and kind."""
    rules = tomllib.loads(bars_path.read_text(encoding="utf-8")).get("groups", [])
    members: dict[str, list[QuestionSet]] = {rule["name"]: [] for rule in rules}
    unbarred: dict[str, list[QuestionSet]] = {}
    for qs in sets:
        rule = next((r for r in rules if _matches(r, qs)), None)
        if rule is not None:
            members[rule["name"]].append(qs)
        else:
            unbarred.setdefault(f"{qs.status} {qs.kind}", []).append(qs)
    groups = []
    for rule in rules:
        bar = bars_path.parent / rule["bar"]
        if not bar.is_file():
            raise SetsError(f"{bars_path}: group {rule['name']!r} names {bar}, which is missing")
        if members[rule["name"]]:
            groups.append(
                Group(rule["name"], tuple(members[rule["name"]]), bar, rule.get("at_least", 0))
            )
    groups += [Group(name, tuple(found)) for name, found in unbarred.items()]
    return groups


def _matches(rule: dict[str, Any], qs: QuestionSet) -> bool:
    """A rule's lists of sets, statuses and kinds each match; a missing list matches any."""
    return (
        qs.name in rule.get("sets", [qs.name])
        and qs.status in rule.get("status", [qs.status])
        and qs.kind in rule.get("kind", [qs.kind])
    )
