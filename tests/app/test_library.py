"""The Library tab's handlers: read-only without a password, admin actions with it, safe uploads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.pdf_factory import corrupt_pdf, html_as_pdf, text_pdf
from ui.chat import ChatHandlers
from ui.library import READ_ONLY, LibraryHandlers, ProgressBridge
from ui.services import Services

PASSWORD = "correct horse battery staple"
NEW_FACT = "The Tirana hotline answered 913 calls from presumed victims in its first year."


class Recorder:
    """Stands in for gr.Progress: records (fraction, desc) calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, str]] = []

    def __call__(self, fraction: float, desc: str = "") -> None:
        self.calls.append((fraction, desc))


def snapshot(services: Services) -> dict[str, str]:
    return {d.id: d.version for d in services.documents()}


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def hotline_pdf(folder: Path, name: str = "hotline.pdf") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return text_pdf(folder / name, ["Hotline review", f"Results\n{NEW_FACT}"], title="Hotline")


# -- who may act ----------------------------------------------------------------------------


def test_without_a_password_the_library_is_read_only(
    fresh_index: Callable[..., Services], tmp_path: Path
) -> None:
    services = fresh_index()
    library = LibraryHandlers(services)
    before = snapshot(services)

    assert library.read_only and "read-only" in library.mode()
    for result in (
        library.upload([str(hotline_pdf(tmp_path / "in"))], password=""),
        library.upload([str(hotline_pdf(tmp_path / "in"))], password="anything"),
        library.remove("referral-handbook", password="anything"),
        library.reingest(password="anything"),
    ):
        assert "read-only" in result and "ATP_ADMIN_PASSWORD" in result
    assert snapshot(services) == before
    assert not services.uploads_dir.exists()


@pytest.mark.parametrize("given", [None, "", "wrong", PASSWORD + " ", PASSWORD.upper()])
def test_a_configured_password_is_required(
    fresh_index: Callable[..., Services], tmp_path: Path, given: str | None
) -> None:
    services = fresh_index(admin_password=PASSWORD)
    library = LibraryHandlers(services)
    before = snapshot(services)

    assert not library.read_only and "need the admin password" in library.mode()
    assert "Wrong or missing admin password" in library.upload(
        [str(hotline_pdf(tmp_path / "in"))], password=given
    )
    assert "Wrong or missing admin password" in library.remove("referral-handbook", given)
    assert "Wrong or missing admin password" in library.reingest(given)
    assert snapshot(services) == before


def test_refusal_compares_in_constant_time(monkeypatch, fresh_index) -> None:
    import hmac

    seen = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: seen.append((a, b)) or real(a, b))
    library = LibraryHandlers(fresh_index(admin_password=PASSWORD))

    assert library.refusal(PASSWORD) is None
    assert seen == [(PASSWORD.encode(), PASSWORD.encode())]
    assert READ_ONLY not in (library.refusal("x") or "")


# -- uploads --------------------------------------------------------------------------------


def test_upload_ingests_a_pdf_that_can_then_be_cited(
    fresh_index: Callable[..., Services], tmp_path: Path
) -> None:
    services = fresh_index(admin_password=PASSWORD)
    progress = Recorder()

    result = LibraryHandlers(services).upload(
        [str(hotline_pdf(tmp_path / "in"))], "Hotline Review", 2021, "study", PASSWORD, progress
    )

    assert "added" in result and "hotline" in result
    info = services.store.document("hotline")
    assert info is not None and (info.title, info.year, info.doc_type) == (
        "Hotline Review",
        2021,
        "study",
    )
    assert Path(info.cached_path).is_relative_to(services.data_dir)
    assert files_under(services.uploads_dir) == ["hotline.pdf"]
    assert progress.calls and progress.calls[-1][0] == 1.0
    _, exchanges, _ = list(
        ChatHandlers(services).respond("What calls did the Tirana hotline answer?", [])
    )[-1]
    answer = exchanges[-1].answer
    assert answer is not None and "913 calls" in answer.text
    assert any(s.doc_id == "hotline" and s.page == 2 for s in answer.sources)


def test_upload_refuses_a_non_pdf_and_changes_nothing(
    fresh_index: Callable[..., Services], tmp_path: Path
) -> None:
    services = fresh_index(admin_password=PASSWORD)
    before = snapshot(services)

    result = LibraryHandlers(services).upload(
        [str(html_as_pdf(tmp_path / "page.pdf"))], password=PASSWORD
    )

    assert "page.pdf: not a PDF" in result
    assert snapshot(services) == before
    assert not services.uploads_dir.exists() or files_under(services.uploads_dir) == []


def test_upload_refuses_a_file_over_the_cap(
    fresh_index: Callable[..., Services], tmp_path: Path
) -> None:
    services = fresh_index(admin_password=PASSWORD, max_upload_mb=1)
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"%" * (1024 * 1024 + 10))
    before = snapshot(services)

    result = LibraryHandlers(services).upload([str(big)], password=PASSWORD)

    assert "over the 1 MB limit" in result and "ATP_MAX_DOWNLOAD_MB" in result
    assert snapshot(services) == before


def test_a_broken_pdf_is_reported_and_leaves_no_trace(
    fresh_index: Callable[..., Services], tmp_path: Path
) -> None:
    services = fresh_index(admin_password=PASSWORD)
    before = snapshot(services)

    result = LibraryHandlers(services).upload(
        [str(corrupt_pdf(tmp_path / "broken.pdf"))], password=PASSWORD
    )

    assert "FAILED" in result and "Nothing in the index was changed" in result
    assert snapshot(services) == before
    assert files_under(services.uploads_dir) == []


def test_a_broken_replacement_keeps_the_earlier_upload(
    fresh_index: Callable[..., Services], tmp_path: Path
) -> None:
    services = fresh_index(admin_password=PASSWORD)
    library = LibraryHandlers(services)
    good = hotline_pdf(tmp_path / "good")
    assert "added" in library.upload([str(good)], password=PASSWORD)
    before = snapshot(services)

    (tmp_path / "bad").mkdir()
    broken = corrupt_pdf(tmp_path / "bad" / "hotline.pdf")
    result = library.upload([str(broken)], password=PASSWORD)

    assert "FAILED" in result and "previously ingested version is kept" in result
    assert snapshot(services) == before
    assert (services.uploads_dir / "hotline.pdf").read_bytes() == good.read_bytes()
    assert files_under(services.uploads_dir) == ["hotline.pdf"]


@pytest.mark.parametrize(
    ("name", "stored", "doc_id"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf", "passwd"),
        ("ctrl\x01\x1b[31mred\x7f.pdf", "ctrl _31mred.pdf", "ctrl-31mred"),
        ("milestones.pdf", "milestones.pdf", "upload-milestones"),
    ],
)
def test_upload_names_are_sanitised_and_stay_in_the_data_dir(
    fresh_index: Callable[..., Services], tmp_path: Path, name: str, stored: str, doc_id: str
) -> None:
    services = fresh_index(admin_password=PASSWORD)
    # Gradio hands over a temp path ending in the name the browser sent; only the part after
    # the last slash can survive in a path, so that is what a hostile name is reduced to.
    source = hotline_pdf(tmp_path / "in", "x.pdf")

    result = LibraryHandlers(services).upload([_claimed(source, name, tmp_path)], password=PASSWORD)

    assert "added" in result, result
    assert files_under(services.uploads_dir) == [stored]
    assert services.store.document(doc_id) is not None
    assert services.store.document("milestones").kind == "milestone"  # records untouched
    assert not (tmp_path / "etc").exists() and not Path("/etc/passwd.pdf").exists()


def _claimed(source: Path, name: str, tmp_path: Path) -> str:
    """A copy of `source` under a folder, named with the last path part of `name`."""
    last = name.replace("\\", "/").split("/")[-1]
    target = tmp_path / "gradio-cache" / last
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes())
    return str(target)


def test_several_files_at_once_with_one_refused(
    fresh_index: Callable[..., Services], tmp_path: Path
) -> None:
    services = fresh_index(admin_password=PASSWORD)
    files = [
        str(hotline_pdf(tmp_path / "a", "one.pdf")),
        str(html_as_pdf(tmp_path / "two.pdf")),
        str(text_pdf(tmp_path / "three.pdf", ["Three", "A third report on shelters."])),
    ]

    result = LibraryHandlers(services).upload(files, year=2020, password=PASSWORD)

    assert "two.pdf: not a PDF" in result and "2 added" in result and "atp-warn" in result
    assert files_under(services.uploads_dir) == ["one.pdf", "three.pdf"]
    assert services.store.document("three").year == 2020


def test_a_typed_title_loses_control_and_bidi_characters(
    fresh_index: Callable[..., Services], tmp_path: Path
) -> None:
    services = fresh_index(admin_password=PASSWORD)

    LibraryHandlers(services).upload(
        [str(hotline_pdf(tmp_path / "in"))], "\x00Hotline\u202e \x07Review\x1b\n", password=PASSWORD
    )

    info = services.store.document("hotline")
    assert info is not None and info.title == "Hotline Review"


def test_a_title_needs_a_single_file(fresh_index, tmp_path: Path) -> None:
    services = fresh_index(admin_password=PASSWORD)
    files = [str(hotline_pdf(tmp_path / "a", "a.pdf")), str(hotline_pdf(tmp_path / "b", "b.pdf"))]

    assert "A title applies to one file" in LibraryHandlers(services).upload(
        files, "One title", password=PASSWORD
    )
    assert "not a plausible year" in LibraryHandlers(services).upload(
        files[:1], year=20215, password=PASSWORD
    )


# -- remove and re-ingest -------------------------------------------------------------------


def test_remove_drops_a_document_and_its_copy(fresh_index: Callable[..., Services]) -> None:
    services = fresh_index(admin_password=PASSWORD)
    copy = Path(services.store.document("referral-handbook").cached_path)
    library = LibraryHandlers(services)
    assert ("Handbook on Transnational Referral (referral-handbook)", "referral-handbook") in (
        library.choices()
    )

    result = library.remove("referral-handbook", PASSWORD)

    assert "removed" in result
    assert services.store.document("referral-handbook") is None and not copy.exists()
    assert "not in the index" in library.remove("referral-handbook", PASSWORD)
    assert "Choose a document" in library.remove(None, PASSWORD)


def test_reingest_all_rebuilds_from_kept_copies(fresh_index: Callable[..., Services]) -> None:
    services = fresh_index(admin_password=PASSWORD)
    before = {d.id: d for d in services.documents()}
    progress = Recorder()

    result = LibraryHandlers(services).reingest(PASSWORD, progress)

    assert "failed" not in result.lower(), result
    after = {d.id: d for d in services.documents()}
    assert set(after) == set(before)
    for doc_id, info in after.items():
        old = before[doc_id]
        assert (info.title, info.year, info.url, info.version) == (
            old.title,
            old.year,
            old.url,
            old.version,
        )
        assert info.ingested_at >= old.ingested_at
    assert any("Embedding" in desc for _, desc in progress.calls)


def test_one_ingest_at_a_time(fresh_index: Callable[..., Services], tmp_path: Path) -> None:
    services = fresh_index(admin_password=PASSWORD)
    with services.ingesting("a long run"):
        result = LibraryHandlers(services).upload(
            [str(hotline_pdf(tmp_path / "in"))], password=PASSWORD
        )
    assert "Another ingest is running: `the web app: a long run` (pid" in result
    assert files_under(services.uploads_dir) == []


def test_progress_bridge_reports_fractions() -> None:
    from ingest.pipeline import DocReport
    from ingest.sources import Source

    progress = Recorder()
    bridge = ProgressBridge(progress)
    bridge.documents(2)
    source = Source("a", "a.pdf", title="A")
    bridge.document_started(source)
    bridge.pages_read(source, 1, 2)
    bridge.pages_read(Source("b", "b.pdf", title="B"), 1, 9)  # the next file, read ahead
    bridge.chunks_planned(4)
    bridge.chunks_done(2)
    bridge.document_finished(DocReport("a", "A", "added"))

    # Reading takes the first 30 % of a document's share, embedding the rest.
    assert progress.calls == [
        (0.0, "Reading A"),
        (pytest.approx(0.075), "Reading A: page 1 of 2"),
        (pytest.approx(0.15), "Embedding A: 0 of 4 chunks"),
        (pytest.approx(0.325), "Embedding A: 2 of 4 chunks"),
        (pytest.approx(0.5), "added A"),
    ]
