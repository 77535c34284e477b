"""GET /pdf/{doc_id}: the kept copy of an ingested document, so a citation opens at its page.

Only a committed document's cached_path inside the data dir is ever served; the id is looked
up, never joined onto a path, so `..` and friends find nothing.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from ui.services import Services
from vectorstore.errors import StoreError

log = logging.getLogger("atp.app")


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

    return router
