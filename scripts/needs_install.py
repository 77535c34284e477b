"""Exit 0 when `pip install -e .` is needed (the reason on stdout), 1 when it is not.

`scripts/run-app.sh` asks this before every launch: installing takes seconds even when there
is nothing to do. Out of date means pyproject.toml (dependencies, version) changed since the
last install by run-app.sh, or another Python is running it. Standard library only, so it
answers in tens of milliseconds.
"""

from __future__ import annotations

import hashlib
import sys
import tomllib
from importlib import metadata
from pathlib import Path

STAMP = ".run-app-installed"  # written by run-app.sh after an install; gitignored


def fingerprint(root: Path) -> str:
    """What an install depends on: this Python and the project's pyproject.toml."""
    digest = hashlib.sha256((root / "pyproject.toml").read_bytes()).hexdigest()
    return f"{sys.executable} {digest}"


def reason(root: Path) -> str | None:
    """Why an install is needed, or None."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    try:
        installed = metadata.version(project["name"])
    except metadata.PackageNotFoundError:
        return f"{project['name']} is not installed"
    if installed != project["version"]:
        return f"{project['name']} {installed} is installed; this checkout is {project['version']}"
    stamp = root / STAMP
    if not stamp.is_file() or stamp.read_text(encoding="utf-8").strip() != fingerprint(root):
        return "pyproject.toml changed since the last install (or it was made by another Python)"
    return None


def main() -> int:
    root = Path(__file__).resolve().parents[1]
    if len(sys.argv) > 1 and sys.argv[1] == "--stamp":
        (root / STAMP).write_text(fingerprint(root) + "\n", encoding="utf-8")
        return 0
    why = reason(root)
    if why:
        print(why)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
