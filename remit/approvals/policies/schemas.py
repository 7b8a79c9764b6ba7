from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field

from remit.core.pagination import CreatedAtRange, ListQuery, UpdatedAtRange
from remit.core.schemas import Omittable, PaginatedResponse, RequestDatetime, RequestSchema, ResponseSchema

Priority = Annotated[int, Field(ge=-32768, le=32767, strict=True)]


class ApprovalPolicyCreate(RequestSchema):
    name: Annotated[str, Field(min_length=1, max_length=255)]
    script: list[Any]
    description: Annotated[str, Field(max_length=255)] | None = None
    trigger: Any = None
    priority: Priority = 0
    starts_at: RequestDatetime | None = None
    ends_at: RequestDatetime | None = None


class ApprovalPolicyUpdate(RequestSchema):
    name: Omittable[Annotated[str, Field(min_length=1, max_length=255)]] = None
    script: Omittable[list[Any]] = None
    description: Annotated[str, Field(max_length=255)] | None = None
    trigger: Any = None
    status: Omittable[Literal["active", "pending", "deleted"]] = None
    priority: Omittable[Priority] = None
    starts_at: RequestDatetime | None = None
    ends_at: RequestDatetime | None = None


class ApprovalPolicyResource(ResponseSchema):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID
    updated_by: uuid.UUID | None = None
    name: str
    description: str | None = None
    trigger: Any = None
    script: list[Any]
    status: str
    priority: int = 0
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class ApprovalPolicyResourceList(PaginatedResponse):
    data: list[ApprovalPolicyResource]


class ApprovalPolicyCursorFields(StrEnum):
    created_at = "created_at"
    updated_at = "updated_at"


class ApprovalPolicyListQuery(ListQuery, CreatedAtRange, UpdatedAtRange):
    sort: ApprovalPolicyCursorFields | None = None
    process_id: uuid.UUID | None = None
    id__in: list[uuid.UUID] | None = None
    status: Literal["active", "pending"] | None = None
    status__in: list[Literal["active", "pending"]] | None = None
    name: str | None = None
    name__contains: str | None = None
    name__ncontains: str | None = None
    created_by: uuid.UUID | None = None


class DryRunRequest(RequestSchema):
    """remit extension: which policy would take a payable, and what its script would ask first."""

    payable_id: uuid.UUID
    approval_policy_id: uuid.UUID | None = None


class DryRunRequestPreview(ResponseSchema):
    location: str
    user_ids: list[uuid.UUID]
    role_ids: list[uuid.UUID]
    required_approval_count: int


class DryRunResponse(ResponseSchema):
    approval_policy_id: uuid.UUID | None
    matched_policy_ids: list[uuid.UUID]
    tie: bool
    approval_requests: list[DryRunRequestPreview]
    actions: list[dict[str, Any]]
    decision: str | None
    finished: bool
