"""Entity users (docs/auth-entities.md, "Entity users and roles")."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from remit.core.pagination import CreatedAtRange, ListQuery
from remit.core.schemas import EmailStr, PaginatedResponse, RequestSchema, ResponseSchema

Str255 = Annotated[str, Field(max_length=255)]


class CreateEntityUserRequest(RequestSchema):
    login: Str255
    first_name: Str255
    last_name: Str255 | None = None
    email: EmailStr | None = None
    phone: Annotated[str, Field(max_length=100)] | None = None
    title: Str255 | None = None
    role_id: uuid.UUID | None = None


class UpdateMeEntityUserRequest(RequestSchema):
    first_name: Str255 | None = None
    last_name: Str255 | None = None
    email: EmailStr | None = None
    phone: Annotated[str, Field(max_length=100)] | None = None
    title: Str255 | None = None


class UpdateEntityUserRequest(UpdateMeEntityUserRequest):
    login: Str255 | None = None
    role_id: uuid.UUID | None = None


class EntityUserResponse(ResponseSchema):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    login: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    role_id: uuid.UUID
    status: Literal["active", "deleted"]
    userpic_file_id: uuid.UUID | None = None


class EntityUserPaginationResponse(PaginatedResponse):
    data: list[EntityUserResponse]


class EntityUserCursorFields(StrEnum):
    updated_at = "updated_at"


class StatusEnum(StrEnum):
    active = "active"
    deleted = "deleted"


class EntityUserListQuery(ListQuery, CreatedAtRange):
    sort: EntityUserCursorFields | None = None
    id__in: list[uuid.UUID] | None = None
    id__not_in: list[uuid.UUID] | None = None
    role_id: uuid.UUID | None = None
    role_id__in: list[uuid.UUID] | None = None
    login: str | None = None
    status: StatusEnum | None = None
    first_name: str | None = None
    name__istartswith: str | None = None
