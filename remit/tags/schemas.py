from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from remit.core.pagination import ListQuery
from remit.core.schemas import Omittable, PaginatedResponse, RequestSchema, ResponseSchema

Name = Annotated[str, Field(min_length=1, max_length=255)]
Description = Annotated[str, Field(min_length=1, max_length=255)]


class TagCategory(StrEnum):
    document_type = "document_type"
    department = "department"
    project = "project"
    cost_center = "cost_center"
    vendor_type = "vendor_type"
    payment_method = "payment_method"
    approval_status = "approval_status"


class TagCreateSchema(RequestSchema):
    name: Name
    category: TagCategory | None = None
    description: Description | None = None


class TagUpdateSchema(RequestSchema):
    name: Omittable[Name] = None
    category: TagCategory | None = None
    description: Description | None = None


class TagReadSchema(ResponseSchema):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    name: str
    category: TagCategory | None = None
    description: str | None = None
    created_by_entity_user_id: uuid.UUID | None = None


class TagsPaginationResponse(PaginatedResponse):
    data: list[TagReadSchema]


class TagCursorFields(StrEnum):
    created_at = "created_at"
    updated_at = "updated_at"


class TagListQuery(ListQuery):
    sort: TagCursorFields | None = None
    created_by_entity_user_id: uuid.UUID | None = None
    name__in: list[str] | None = None
    id__in: list[uuid.UUID] | None = None
