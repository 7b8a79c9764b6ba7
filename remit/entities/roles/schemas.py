"""Roles and Monite's permission document (``BizObjectsSchema``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from remit.core.enums import ActionEnum, PayableActionEnum, PermissionEnum
from remit.core.pagination import CreatedAtRange, ListQuery
from remit.core.schemas import PaginatedResponse, RequestDatetime, RequestSchema, ResponseSchema


class CommonObjectType(StrEnum):
    person = "person"
    onboarding = "onboarding"
    comment = "comment"
    counterpart = "counterpart"
    entity_user = "entity_user"
    entity = "entity"
    entity_vat_ids = "entity_vat_ids"
    counterpart_vat_id = "counterpart_vat_id"
    entity_bank_account = "entity_bank_account"
    export = "export"
    mailbox = "mailbox"
    payables_purchase_order = "payables_purchase_order"
    payment_reminder = "payment_reminder"
    overdue_reminder = "overdue_reminder"
    product = "product"
    project = "project"
    receivable = "receivable"
    delivery_note = "delivery_note"
    ocr_task = "ocr_task"
    reconciliation = "reconciliation"
    role = "role"
    tag = "tag"
    todo_task = "todo_task"
    todo_task_mute = "todo_task_mute"
    transaction = "transaction"
    workflow = "workflow"
    approval_request = "approval_request"
    approval_policy = "approval_policy"
    payment_record = "payment_record"
    receipt = "receipt"


class ActionSchema(RequestSchema):
    action_name: ActionEnum = ActionEnum.read
    permission: PermissionEnum = PermissionEnum.allowed


class PayableActionSchema(RequestSchema):
    action_name: PayableActionEnum = PayableActionEnum.read
    permission: PermissionEnum = PermissionEnum.allowed


def _unique_actions(actions: list[Any]) -> list[Any]:
    names = [a.action_name for a in actions]
    if len(names) != len(set(names)):
        raise ValueError("each action may appear only once per object")
    return actions


class CommonSchema(RequestSchema):
    object_type: CommonObjectType
    actions: list[ActionSchema] = Field(default_factory=list)

    @field_validator("actions")
    @classmethod
    def _unique(cls, actions: list[Any]) -> list[Any]:
        return _unique_actions(actions)


class PayableSchema(RequestSchema):
    object_type: Literal["payable"]
    actions: list[PayableActionSchema] = Field(default_factory=list)

    @field_validator("actions")
    @classmethod
    def _unique(cls, actions: list[Any]) -> list[Any]:
        return _unique_actions(actions)


def _object_kind(value: Any) -> str | None:
    if isinstance(value, dict) and "object_type" not in value:
        return None  # remit requires object_type explicitly (docs/auth-entities.md, "The permission document")
    object_type = value.get("object_type") if isinstance(value, dict) else getattr(value, "object_type", None)
    # Anything else, null included, is refused at object_type by the common schema's enum.
    return "payable" if object_type == "payable" else "common"


RootSchema = Annotated[
    Annotated[CommonSchema, Tag("common")] | Annotated[PayableSchema, Tag("payable")],
    Discriminator(_object_kind, custom_error_type="missing_object_type",
                  custom_error_message="object_type is required"),
]


class BizObjectsSchema(RequestSchema):
    objects: list[RootSchema] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_objects(self) -> BizObjectsSchema:
        types = [o.object_type for o in self.objects]
        if len(types) != len(set(types)):
            raise ValueError("each object_type may appear only once")
        return self


class CreateRoleRequest(RequestSchema):
    name: Annotated[str, Field(min_length=1, max_length=255)]
    permissions: BizObjectsSchema

    @field_validator("name")
    @classmethod
    def _ascii(cls, value: str | None) -> str | None:
        return _ascii_name(value)


class UpdateRoleRequest(RequestSchema):
    name: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    permissions: BizObjectsSchema | None = None

    @field_validator("name")
    @classmethod
    def _ascii(cls, value: str | None) -> str | None:
        return _ascii_name(value)


def _ascii_name(value: str | None) -> str | None:
    if value is not None and not value.isascii():
        raise ValueError("role names may contain only ASCII characters")
    return value


class RoleResponse(ResponseSchema):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    name: str
    permissions: dict[str, Any]
    status: Literal["active", "deleted"]


class RolePaginationResponse(PaginatedResponse):
    data: list[RoleResponse]


class RoleCursorFields(StrEnum):
    updated_at = "updated_at"
    created_at = "created_at"


class RoleListQuery(ListQuery, CreatedAtRange):
    sort: RoleCursorFields | None = None
    id__in: list[uuid.UUID] | None = None
    name: str | None = None
    created_at: RequestDatetime | None = None
