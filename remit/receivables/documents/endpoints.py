"""The public route of documents' PDFs: ``GET /documents/{token}/{name}.pdf``, outside ``/v1``
and without a bearer token — the signed link is the credential (``documents.links``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from remit.core.errors import error_response
from remit.files.models import StoredFile
from remit.receivables.documents import service

router = APIRouter(tags=["Documents"], include_in_schema=False)
REFUSED = "The link is not valid, or no longer valid."


@router.get("/documents/{token}/{name}")
async def download_document(request: Request, token: str, name: str) -> Response:
    db, runtime = request.app.state.db, request.app.state.runtime
    try:
        found = await db.run(lambda session: service.by_link(session, token), write=False, runtime=runtime)
    except service.LinkRefused:
        return error_response(403, REFUSED)
    if found is None:
        return error_response(404, "Document not found")
    if isinstance(found, service.Rendered):
        rendered = found
        stored: StoredFile = await db.run(lambda session: service.keep(session, rendered), runtime=runtime)
        content, file_name = rendered.content, stored.name
    else:
        content, file_name = found.content, found.name
    return Response(content, media_type="application/pdf", headers={
        "content-disposition": f'inline; filename="{file_name}"', "cache-control": "private, max-age=300",
        "x-content-type-options": "nosniff"})
