"""`python -m tests.faults.catalogue_run SOURCES.json [CLI ARGS]`: the default ingest run with
the catalogue's publication URLs replaced by the ones in SOURCES.json.

Only `ingest.sources.from_catalogue` is swapped (as tests/ingest/test_pipeline.py does in
process); the CLI, the pipeline, the downloader and the store are the real ones, in a process
of their own that a test can SIGKILL.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ingest import sources
from ingest.cli import main


def load(path: Path) -> list[sources.Source]:
    """Sources as the catalogue would give them: an id, a title, a year and a URL each."""
    return [
        sources.Source(
            doc_id=row["id"],
            origin=row["url"],
            title=row["title"],
            year=row["year"],
            doc_type="study",
            url=row["url"],
        )
        for row in json.loads(path.read_text(encoding="utf-8"))
    ]


if __name__ == "__main__":
    publications = load(Path(sys.argv.pop(1)))
    sources.from_catalogue = lambda: publications
    main()
