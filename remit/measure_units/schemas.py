from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field

from remit.core.schemas import Omittable, RequestSchema, ResponseSchema

Name = Annotated[str, Field(min_length=1, max_length=100)]
Description = Annotated[str, Field(max_length=200)]


class UnitRequest(RequestSchema):
    name: Name
    description: Description | None = None


class UnitUpdate(RequestSchema):
    name: Omittable[Name] = None
    description: Description | None = None


class UnitResponse(ResponseSchema):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    name: str
    description: str | None = None


class UnitListResponse(ResponseSchema):
    data: list[UnitResponse]
