"""GET /pdf/{doc_id}: the kept copy of an ingested document, so a citation opens at its page;
GET /viewer: PDF.js (vendored in ui/static/pdfjs) showing that page with the passage marked.

Only a committed document's cached_path inside the data dir is ever served; the id is looked
up, never joined onto a path, so `..` and friends find nothing. The viewer's files are a fixed
table for the same reason.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from ui.services import Services
from vectorstore.errors import StoreError

log = logging.getLogger("atp.app")
STATIC = Path(__file__).parent / "static"
JS = "text/javascript"
VIEWER_FILES = {  # URL name -> (file under ui/static, media type)
    "viewer.js": ("viewer.js", JS),
    "viewer.css": ("viewer.css", "text/css"),
    "pdfjs/pdf.min.mjs": ("pdfjs/pdf.min.mjs", JS),
    "pdfjs/pdf.worker.min.mjs": ("pdfjs/pdf.worker.min.mjs", JS),
}


def pdf_router(services: Services) -> APIRouter:
    router = APIRouter()

    @router.get("/pdf/{doc_id}", include_in_schema=False)
    def serve_pdf(doc_id: str) -> FileResponse:
        try:
            path = services.pdf_path(doc_id)
        except StoreError as exc:
            raise HTTPException(503, f"The index cannot be reached: {exc}") from exc
        if path is None:
            raise HTTPException(404, f"No ingested PDF with the id {doc_id!r}.")
        return FileResponse(
            path,
            media_type="application/pdf",
            filename=f"{doc_id}.pdf",
            content_disposition_type="inline",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
        )

    @router.get("/viewer", include_in_schema=False)
    def viewer() -> FileResponse:
        return FileResponse(STATIC / "viewer.html", media_type="text/html")

    @router.get("/atp-static/{name:path}", include_in_schema=False)
    def viewer_file(name: str) -> FileResponse:
        if name not in VIEWER_FILES:
            raise HTTPException(404, "Not found.")
        path, media_type = VIEWER_FILES[name]
        return FileResponse(STATIC / path, media_type=media_type)

    return router
