"""``POST /v1/console/links``: a partner's single-use sign-in link for one entity user (remit extension)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from remit.auth.deps import EntityCall
from remit.console import schemas, service
from remit.core.routing import API_PREFIX, COMMON_ERRORS

router = APIRouter(prefix=API_PREFIX, tags=["remit extensions"], responses=COMMON_ERRORS)


@router.post("/console/links", status_code=201, response_model=schemas.ConsoleLinkResponse,
             summary="Create a single-use sign-in link to the approver's console (remit extension)")
async def post_console_links(call: EntityCall, request: Request, payload: schemas.ConsoleLinkRequest) -> service.NewLink:
    settings = request.app.state.settings
    return await call.run(service.create_link, entity_user_id=payload.entity_user_id, base_url=settings.public_url,
                          ttl_seconds=settings.console_link_ttl_seconds)
