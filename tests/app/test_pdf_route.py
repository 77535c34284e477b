"""GET /pdf/{doc_id} serves the kept copy of an ingested document, and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ui.pdfs import pdf_router
from ui.services import Services
from vectorstore.records import DocumentInfo


def client_for(services: Services) -> TestClient:
    app = FastAPI()
    app.include_router(pdf_router(services))
    return TestClient(app)


def test_serves_an_ingested_pdf(services: Services, app_pdfs: dict[str, Path]) -> None:
    response = client_for(services).get("/pdf/referral-handbook")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    assert response.content == app_pdfs["referral-handbook"].read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "/pdf/no-such-document",
        "/pdf/milestones",  # a record: no PDF
        "/pdf/..%2F..%2F..%2Fetc%2Fpasswd",
        "/pdf/%2Fetc%2Fpasswd",
        "/pdf/../../etc/passwd",
        "/pdf/referral-handbook%00",
        "/pdf/",
    ],
)
def test_anything_else_is_not_found(services: Services, path: str) -> None:
    response = client_for(services).get(path)

    assert response.status_code == 404
    assert b"root:" not in response.content


def write_record(services: Services, doc_id: str, cached_path: str) -> None:
    info = DocumentInfo(
        id=doc_id,
        title="Planted",
        year=None,
        doc_type="publication",
        kind="publication",
        url=None,
        pages=1,
        chunks=0,
        content_hash="x",
        version="v1",
        cached_path=cached_path,
    )
    with services.ingesting("planting a record") as store:
        store.write_document(info, [], [], np.zeros((0, 384), dtype=np.float32))


def test_a_cached_path_outside_the_data_dir_or_not_a_pdf_is_refused(
    fresh_index: Callable[..., Services], tmp_path: Path
) -> None:
    services = fresh_index()
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(b"%PDF-1.4 not served")
    write_record(services, "outside", str(outside))
    write_record(services, "passwd", "/etc/passwd")
    inside_not_pdf = services.data_dir / "notes.pdf"
    inside_not_pdf.write_text("secret notes")
    write_record(services, "not-a-pdf", str(inside_not_pdf))
    sneaky = services.data_dir / "library" / ".." / ".." / "outside.pdf"
    write_record(services, "sneaky", str(sneaky))
    client = client_for(services)

    for doc_id in ("outside", "passwd", "not-a-pdf", "sneaky"):
        assert client.get(f"/pdf/{doc_id}").status_code == 404, doc_id
    assert client.get("/pdf/referral-handbook").status_code == 200


def test_index_unavailable_is_a_503_in_words(app_index: Path, embedder) -> None:
    from tests.app.conftest import make_services
    from vectorstore.errors import StoreUnavailable

    services = make_services(app_index, embedder)

    def down(settings):
        raise StoreUnavailable("cannot reach the Chroma server")

    services.index_factory = down

    response = client_for(services).get("/pdf/referral-handbook")

    assert response.status_code == 503
    assert "cannot reach the Chroma server" in response.json()["detail"]
