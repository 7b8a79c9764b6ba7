"""Approval policies, the processes they start, and approval requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from remit.core.base import Base, EntityOwned, IdMixin, JSONDocument, TimestampMixin

# Triggers may be any JSON value, including null and false; store them exactly as sent.
AnyJSON = JSON(none_as_null=False).with_variant(JSONB(none_as_null=False), "postgresql")


class ApprovalPolicy(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "approval_policies"
    __table_args__ = (
        Index(None, "entity_id", "created_at", "id"),
        Index(None, "entity_id", "status", "priority"),
    )

    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(255))
    trigger: Mapped[Any] = mapped_column(AnyJSON, nullable=True)
    script: Mapped[list] = mapped_column(JSONDocument)
    status: Mapped[str] = mapped_column(String(16), default="active")
    priority: Mapped[int] = mapped_column(SmallInteger, default=0)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    created_by: Mapped[uuid.UUID]
    updated_by: Mapped[uuid.UUID | None]


class ApprovalProcess(IdMixin, TimestampMixin, EntityOwned, Base):
    """One run of one policy's script for one payable; ``gates`` holds the steps' state."""

    __tablename__ = "approval_processes"
    __table_args__ = (
        Index(None, "policy_id", "created_at", "id"),
        Index(None, "payable_id"),
    )

    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("approval_policies.id"))
    payable_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payables.id"))
    status: Mapped[str] = mapped_column(String(16))
    input: Mapped[dict] = mapped_column(JSONDocument)
    meta: Mapped[dict] = mapped_column("metadata", JSONDocument)
    error: Mapped[dict | None]
    script_snapshot: Mapped[Any] = mapped_column(AnyJSON)
    # The interpreter's stored outcomes (docs/approvals-script.md, "Driving a process") and one entry per
    # gate: its parameters, step status and request id.
    state: Mapped[dict | None]
    gates: Mapped[list] = mapped_column(JSONDocument)
    created_by: Mapped[uuid.UUID | None]
    updated_by: Mapped[uuid.UUID | None]

    @property
    def metadata_(self) -> dict:
        return self.meta


class ApprovalRequest(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "approval_requests"
    __table_args__ = (
        Index(None, "entity_id", "created_at", "id"),
        Index(None, "entity_id", "object_id"),
        Index(None, "process_id"),
    )

    object_type: Mapped[str] = mapped_column(String(32), default="payable")
    object_id: Mapped[uuid.UUID]
    user_ids: Mapped[list] = mapped_column(JSONDocument)
    role_ids: Mapped[list] = mapped_column(JSONDocument)
    required_approval_count: Mapped[int] = mapped_column(Integer)
    approved_by: Mapped[list] = mapped_column(JSONDocument, default=list)
    rejected_by: Mapped[uuid.UUID | None]
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    created_by: Mapped[uuid.UUID]
    process_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("approval_processes.id"))
    gate_location: Mapped[str | None] = mapped_column(String(512))


class ApprovalRequestAssignee(Base):
    """Who a request asks, one row per user or role, so lists can filter by ``user_id``/``role_id``."""

    __tablename__ = "approval_request_assignees"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("approval_requests.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # "user" | "role"
    assignee_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, index=True)
