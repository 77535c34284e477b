"""Upload checks: safe names, the PDF signature, the size cap, and writes only under the folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pdf_factory import html_as_pdf, text_pdf, zero_byte_pdf
from ui.uploads import UploadRefused, check_pdf, safe_name, stage


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\evil.PDF", "evil.pdf"),
        ("bad\x00na\x1bme\n.pdf", "bad na me.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("..", "upload.pdf"),
        ("", "upload.pdf"),
        ("a<b>|c?*.pdf", "a_b_c.pdf"),
        ("Rapport annuel été 2019.pdf", "Rapport annuel été 2019.pdf"),
        ("notes.txt", "notes.txt.pdf"),
        ("x" * 500 + ".pdf", "x" * 116 + ".pdf"),
    ],
)
def test_safe_name(name: str, expected: str) -> None:
    assert safe_name(name) == expected


def test_check_refuses_what_is_not_a_pdf(tmp_path: Path) -> None:
    with pytest.raises(UploadRefused, match=r"error\.pdf: not a PDF"):
        check_pdf(html_as_pdf(tmp_path / "error.pdf"), "error.pdf", 10**6)
    with pytest.raises(UploadRefused, match="empty"):
        check_pdf(zero_byte_pdf(tmp_path / "empty.pdf"), "empty.pdf", 10**6)


def test_check_refuses_a_file_over_the_cap(tmp_path: Path) -> None:
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.7\n" + b"0" * (2 * 1048576))

    with pytest.raises(UploadRefused, match="over the 1 MB limit"):
        check_pdf(big, "big.pdf", 1048576)


def test_check_accepts_a_real_pdf(tmp_path: Path) -> None:
    check_pdf(text_pdf(tmp_path / "ok.pdf", ["Hello."]), "ok.pdf", 10**6)


def test_stage_writes_only_inside_the_folder_and_can_be_undone(tmp_path: Path) -> None:
    pdf = text_pdf(tmp_path / "in.pdf", ["New text."])
    folder = tmp_path / "data" / "uploads"

    kept = stage(pdf, folder, "../../etc/passwd.pdf")

    assert kept.path == folder.resolve() / "passwd.pdf"
    assert kept.path.read_bytes() == pdf.read_bytes()
    assert not (tmp_path / "etc").exists()
    kept.undo()
    assert list(folder.iterdir()) == []


def test_restaging_a_name_keeps_the_old_file_until_committed(tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    first = stage(text_pdf(tmp_path / "a.pdf", ["Old."]), folder, "r.pdf")
    first.commit()
    old = first.path.read_bytes()

    second = stage(text_pdf(tmp_path / "b.pdf", ["New."]), folder, "r.pdf")
    assert second.path.read_bytes() != old
    second.undo()

    assert first.path.read_bytes() == old
    assert [p.name for p in folder.iterdir()] == ["r.pdf"]


def test_a_copy_left_by_a_killed_app_is_swept_by_the_next_upload(tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    folder.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left = folder / f".upload-{dead.pid}-abc.part"
    left.write_bytes(b"%PDF-1.7 half a copy")
    mine = folder / f".upload-{os.getpid()}-live.part"  # a copy this process is writing
    mine.write_bytes(b"%PDF-1.7 in progress")

    staged = stage(text_pdf(tmp_path / "r.pdf", ["Report"]), folder, "r.pdf")

    assert not left.exists() and mine.exists()
    assert sorted(p.name for p in folder.iterdir()) == [mine.name, "r.pdf"]
    staged.commit()
