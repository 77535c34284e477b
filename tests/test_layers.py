"""The one-way flow, enforced: ingest -> vectorstore <- assistant <- app.py (and ui/)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"ingest", "vectorstore", "assistant", "app", "ui"}
ALLOWED = {
    "vectorstore": set(),
    "ingest": {"vectorstore"},
    "assistant": {"vectorstore"},
    "ui": {"assistant", "ingest", "vectorstore"},
    "app": {"assistant", "ingest", "vectorstore", "ui"},
}
# The evaluation harness sits at the edge like a CLI: it ingests the corpus it measures and
# re-reads cited pages with the ingest parser, independently of the index.
EXCEPTIONS = {Path("assistant/eval.py"): {"ingest"}}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & OURS


def sources() -> list[Path]:
    files = [ROOT / "app.py"]
    for package in ("ingest", "vectorstore", "assistant", "ui"):
        files += sorted((ROOT / package).rglob("*.py"))
    return [f for f in files if f.exists()]


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_follow_the_flow(path: Path) -> None:
    rel = path.relative_to(ROOT)
    layer = rel.parts[0].removesuffix(".py")
    allowed = ALLOWED[layer] | EXCEPTIONS.get(rel, set()) | {layer}
    assert imported_packages(path) <= allowed, f"{rel} imports against the flow"


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from assistant.chat import Assistant\nimport ingest.cli\n")
    assert imported_packages(bad) == {"assistant", "ingest"}


def deep_assistant_imports(path: Path) -> list[str]:
    """Modules below `assistant` that the file imports directly (`assistant.chat`, ...)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("assistant.")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [node.module] if node.module.startswith("assistant.") else []
    return found


@pytest.mark.parametrize(
    "path", sorted((ROOT / "ui").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_the_ui_imports_the_assistant_through_its_public_surface(path: Path) -> None:
    assert deep_assistant_imports(path) == [], f"{path.name}: import these from `assistant`"


def test_the_surface_check_sees_a_deep_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from assistant import Answer\nfrom assistant.chat import Assistant\n")
    assert deep_assistant_imports(bad) == ["assistant.chat"]


def test_every_name_of_the_public_surface_loads() -> None:
    import assistant

    for name in assistant.__all__:
        assert getattr(assistant, name) is not None, name
    with pytest.raises(AttributeError):
        assistant.no_such_name  # noqa: B018


def test_type_checkers_see_the_same_surface_as_the_lazy_table() -> None:
    """The TYPE_CHECKING imports name each export from the module the table loads it from."""
    import assistant

    tree = ast.parse((ROOT / "assistant" / "__init__.py").read_text(encoding="utf-8"))
    seen = {
        alias.asname or alias.name: node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module != "__future__"
        for alias in node.names
        if node.module.startswith("assistant.")
    }
    assert seen == assistant._EXPORTS
