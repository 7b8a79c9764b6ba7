from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from remit.core.errors import NotFound
from remit.files import service

# Outside /v1 and without the version header: the URL is the credential.
router = APIRouter(tags=["Files"], include_in_schema=False)


@router.get("/files/{file_id}/{access_key}/{name}")
async def download_file(request: Request, file_id: uuid.UUID, access_key: str, name: str):
    stored = await request.app.state.db.run(lambda session: service.download(session, file_id, access_key), write=False,
                                            runtime=request.app.state.runtime)
    if stored is None:
        raise NotFound("File not found")
    return Response(
        stored.content,
        media_type=stored.mimetype,
        headers={"content-disposition": f'inline; filename="{stored.name}"', "cache-control": "private, max-age=3600"},
    )
