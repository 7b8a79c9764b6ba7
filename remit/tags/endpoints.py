from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from remit.auth.deps import EntityCall
from remit.core.routing import API_PREFIX, COMMON_ERRORS
from remit.tags import schemas, service

router = APIRouter(prefix=API_PREFIX, tags=["Tags"], responses=COMMON_ERRORS)


@router.post("/tags", status_code=201, response_model=schemas.TagReadSchema)
async def post_tags(call: EntityCall, payload: schemas.TagCreateSchema):
    return await call.run(service.create_tag, payload=payload)


@router.get("/tags", response_model=schemas.TagsPaginationResponse)
async def get_tags(call: EntityCall, query: Annotated[schemas.TagListQuery, Query()]):
    return await call.run(service.list_tags, query=query)


@router.get("/tags/{tag_id}", response_model=schemas.TagReadSchema)
async def get_tags_id(call: EntityCall, tag_id: uuid.UUID):
    return await call.run(service.get_tag, tag_id=tag_id)


@router.patch("/tags/{tag_id}", response_model=schemas.TagReadSchema)
async def patch_tags_id(call: EntityCall, tag_id: uuid.UUID, payload: schemas.TagUpdateSchema):
    return await call.run(service.update_tag, tag_id=tag_id, payload=payload)


@router.delete("/tags/{tag_id}", status_code=204, response_class=Response)
async def delete_tags_id(call: EntityCall, tag_id: uuid.UUID):
    await call.run(service.delete_tag, tag_id=tag_id)
    return Response(status_code=204)
