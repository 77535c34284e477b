"""The ingest CLI away from a terminal (issue #20, item 11): a line per file started and
finished, and a failed file named by its path as well as its id."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from ingest.cli import cli
from tests import pdf_factory


def test_folder_sync_names_failures_by_path_and_reports_each_file(tmp_path: Path) -> None:
    folder = tmp_path / "pubs"
    (folder / "2019").mkdir(parents=True)
    good = pdf_factory.text_pdf(folder / "2019" / "good.pdf", ["Report", "Shelters opened."])
    broken = folder / "2020" / "drafts" / "broken.pdf"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"%PDF-1.4\nthis is not a PDF body")

    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "data"), "sync", str(folder)])

    assert result.exit_code == 1, result.output
    assert "FAILED   broken: " in result.stdout
    failed = next(line for line in result.stdout.splitlines() if line.startswith("FAILED"))
    assert failed.endswith(f"(file {broken})"), failed
    progress = result.stderr.splitlines()
    started = [line for line in progress if " started " in line]
    finished = [line for line in progress if line.startswith("finished ")]
    assert started == [
        f"[1/2] started  {good} (id good)",
        f"[2/2] started  {broken} (id broken)",
    ], progress
    assert sorted(line.split()[1] for line in finished) == ["FAILED", "added"], finished
