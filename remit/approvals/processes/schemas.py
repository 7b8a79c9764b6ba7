from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from remit.core.schemas import ResponseSchema


class ProcessResource(ResponseSchema):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime | None = None
    created_by: uuid.UUID | None = None
    updated_by: uuid.UUID | None = None
    status: str
    input: dict[str, Any]
    metadata: dict[str, Any] = Field(validation_alias="meta")
    error: dict[str, Any] | None = None
    script_snapshot: Any = None


class ApprovalProcessResourceList(ResponseSchema):
    data: list[ProcessResource]


class ApprovalProcessStepResource(ResponseSchema):
    object_id: uuid.UUID
    user_ids: list[uuid.UUID]
    role_ids: list[uuid.UUID]
    required_approval_count: int
    status: str
    approved_by: list[uuid.UUID]
    rejected_by: uuid.UUID | None = None
    approval_request_id: uuid.UUID | None = None


class ApprovalProcessStepResourceList(ResponseSchema):
    data: list[ApprovalProcessStepResource]
