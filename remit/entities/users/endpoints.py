from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from remit.auth.deps import AuthCall, AuthCallInactiveOk, EntityCall
from remit.core.routing import API_PREFIX, COMMON_ERRORS
from remit.entities import schemas as entity_schemas
from remit.entities import service as entity_service
from remit.entities.roles.schemas import RoleResponse
from remit.entities.users import schemas, service

router = APIRouter(prefix=API_PREFIX, tags=["Entity users"], responses=COMMON_ERRORS)


# The fixed paths come first, so "me" is never read as an entity user id.
@router.get("/entity_users/me", response_model=schemas.EntityUserResponse)
async def get_entity_users_me(call: AuthCallInactiveOk):
    return await call.run(service.get_me)


@router.patch("/entity_users/me", response_model=schemas.EntityUserResponse)
async def patch_entity_users_me(call: AuthCall, payload: schemas.UpdateMeEntityUserRequest):
    return await call.run(service.update_me, payload=payload)


@router.get("/entity_users/my_role", response_model=RoleResponse)
async def get_entity_users_my_role(call: AuthCall):
    return await call.run(service.get_my_role)


@router.get("/entity_users/my_entity", response_model=entity_schemas.EntityResponse)
async def get_entity_users_my_entity(call: AuthCall):
    return await call.run(entity_service.get_my_entity)


@router.patch("/entity_users/my_entity", response_model=entity_schemas.EntityResponse)
async def patch_entity_users_my_entity(call: AuthCall, payload: entity_schemas.UpdateEntityRequest):
    return await call.run(entity_service.update_my_entity, payload=payload)


@router.post("/entity_users", response_model=schemas.EntityUserResponse)
async def post_entity_users(call: EntityCall, payload: schemas.CreateEntityUserRequest):
    return await call.run(service.create_entity_user, payload=payload)


@router.get("/entity_users", response_model=schemas.EntityUserPaginationResponse)
async def get_entity_users(call: EntityCall, query: Annotated[schemas.EntityUserListQuery, Query()]):
    return await call.run(service.list_entity_users, query=query)


@router.get("/entity_users/{entity_user_id}", response_model=schemas.EntityUserResponse)
async def get_entity_users_id(call: EntityCall, entity_user_id: uuid.UUID):
    return await call.run(service.get_entity_user, entity_user_id=entity_user_id)


@router.patch("/entity_users/{entity_user_id}", response_model=schemas.EntityUserResponse)
async def patch_entity_users_id(call: EntityCall, entity_user_id: uuid.UUID, payload: schemas.UpdateEntityUserRequest):
    return await call.run(service.update_entity_user, entity_user_id=entity_user_id, payload=payload)


@router.delete("/entity_users/{entity_user_id}", status_code=204, response_class=Response)
async def delete_entity_users_id(call: EntityCall, entity_user_id: uuid.UUID):
    await call.run(service.delete_entity_user, entity_user_id=entity_user_id)
    return Response(status_code=204)
