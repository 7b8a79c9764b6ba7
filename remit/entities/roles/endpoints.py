from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from remit.auth.deps import EntityCall
from remit.core.routing import API_PREFIX, COMMON_ERRORS, errors
from remit.entities.roles import schemas, service

router = APIRouter(prefix=API_PREFIX, tags=["Roles"], responses=COMMON_ERRORS)


@router.post("/roles", response_model=schemas.RoleResponse)
async def post_roles(call: EntityCall, payload: schemas.CreateRoleRequest):
    return await call.run(service.create_role, payload=payload)


@router.get("/roles", response_model=schemas.RolePaginationResponse)
async def get_roles(call: EntityCall, query: Annotated[schemas.RoleListQuery, Query()]):
    return await call.run(service.list_roles, query=query)


@router.get("/roles/{role_id}", response_model=schemas.RoleResponse)
async def get_roles_id(call: EntityCall, role_id: uuid.UUID):
    return await call.run(service.get_role, role_id=role_id)


@router.patch("/roles/{role_id}", response_model=schemas.RoleResponse)
async def patch_roles_id(call: EntityCall, role_id: uuid.UUID, payload: schemas.UpdateRoleRequest):
    return await call.run(service.update_role, role_id=role_id, payload=payload)


@router.delete("/roles/{role_id}", status_code=204, response_class=Response, responses=errors(409))
async def delete_roles_id(call: EntityCall, role_id: uuid.UUID):
    await call.run(service.delete_role, role_id=role_id)
    return Response(status_code=204)
