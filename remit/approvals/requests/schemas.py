from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from remit.approvals.lifecycle import ApprovalRequestStatus
from remit.core.pagination import CreatedAtRange, ListQuery, UpdatedAtRange
from remit.core.schemas import Omittable, PaginatedResponse, RequestSchema, ResponseSchema

Ids = Annotated[list[uuid.UUID], Field(min_length=1, max_length=100)]


class ApprovalRequestCreateRequest(RequestSchema):
    """Monite's two variants (by users / by roles) read as one model with exactly one list."""

    object_type: str
    object_id: uuid.UUID
    required_approval_count: Annotated[int, Field(ge=1, strict=True)]
    user_ids: Omittable[Ids] = None
    role_ids: Omittable[Ids] = None

    @model_validator(mode="after")
    def _one_list(self) -> ApprovalRequestCreateRequest:
        if (self.user_ids is None) == (self.role_ids is None):
            raise ValueError("give exactly one of user_ids and role_ids")
        ids = self.user_ids or self.role_ids or []
        if len(set(ids)) != len(ids):
            raise ValueError("ids must be distinct")
        if self.user_ids is not None and self.required_approval_count > len(self.user_ids):
            raise ValueError("required_approval_count cannot exceed the number of users")
        return self


class ApprovalRequestResourceWithMetadata(ResponseSchema):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID
    object_type: str
    object_id: uuid.UUID
    user_ids: list[uuid.UUID]
    role_ids: list[uuid.UUID]
    required_approval_count: int
    approved_by: list[uuid.UUID]
    rejected_by: uuid.UUID | None = None
    status: ApprovalRequestStatus


class ApprovalRequestResourceList(PaginatedResponse):
    data: list[ApprovalRequestResourceWithMetadata]


class ApprovalRequestCursorFields(StrEnum):
    created_at = "created_at"
    updated_at = "updated_at"


class ApprovalRequestListQuery(ListQuery, CreatedAtRange, UpdatedAtRange):
    sort: ApprovalRequestCursorFields | None = None
    object_id: uuid.UUID | None = None
    object_id__in: list[uuid.UUID] | None = None
    status: ApprovalRequestStatus | None = None
    status__in: list[ApprovalRequestStatus] | None = None
    user_id: uuid.UUID | None = None
    role_id: uuid.UUID | None = None
    object_type: str | None = None
    object_type__in: list[str] | None = None
    created_by: uuid.UUID | None = None
