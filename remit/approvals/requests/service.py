"""Approval requests: manual ones, and approving/rejecting/canceling any
(docs/approvals.md, "Approval requests")."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from remit.approvals.errors import (
    AlreadyApproved,
    NotEligible,
    OnlyEntityUsersDecide,
    RequestNotFound,
    UnsupportedObjectType,
)
from remit.approvals.lifecycle import ACTIVE_PROCESS, ApprovalRequestStatus, RequestNotWaiting
from remit.approvals.models import ApprovalProcess, ApprovalRequest, ApprovalRequestAssignee
from remit.approvals.processes import engine
from remit.approvals.requests import schemas
from remit.core import clock
from remit.core.context import RequestContext
from remit.core.errors import FieldError
from remit.core.pagination import Page, Paginator
from remit.core.repository import EntityScopedRepository
from remit.entities.roles.models import Role
from remit.entities.users.models import EntityUser
from remit.payables.repository import PayableRepository

OBJECT = "approval_request"


class RequestRepository(EntityScopedRepository[ApprovalRequest]):
    model = ApprovalRequest

    def get(self, request_id: uuid.UUID) -> ApprovalRequest:
        request = self.find(request_id)
        if request is None:
            raise RequestNotFound(request_id)
        return request

    def get_for_update(self, request_id: uuid.UUID) -> ApprovalRequest:
        stmt = self.base().where(ApprovalRequest.id == request_id).with_for_update()
        request = self.session.scalars(stmt.execution_options(populate_existing=True)).first()
        if request is None:
            raise RequestNotFound(request_id)
        return request


def _assigned(kind: str):
    return lambda value: exists().where(
        ApprovalRequestAssignee.request_id == ApprovalRequest.id,
        ApprovalRequestAssignee.kind == kind,
        ApprovalRequestAssignee.assignee_id == value,
    )


paginator = Paginator(
    endpoint="GET /approval_requests",
    query_model=schemas.ApprovalRequestListQuery,
    id_column=ApprovalRequest.id,
    sort_columns={"created_at": ApprovalRequest.created_at, "updated_at": ApprovalRequest.updated_at},
    custom_filters={"user_id": _assigned("user"), "role_id": _assigned("role")},
)


def list_requests(session: Session, ctx: RequestContext, *, query: schemas.ApprovalRequestListQuery) -> Page:
    own = ctx.own_filter(OBJECT)
    stmt = RequestRepository(session, ctx).base()
    if own is not None:
        stmt = stmt.where(ApprovalRequest.created_by == own)
    return paginator.paginate(session, stmt, query, scope=str(ctx.scoped_entity_id))


def get_request(session: Session, ctx: RequestContext, *, request_id: uuid.UUID) -> ApprovalRequest:
    request = RequestRepository(session, ctx).get(request_id)
    ctx.check(OBJECT, "read", owner_id=request.created_by)
    return request


def create_request(
    session: Session, ctx: RequestContext, *, payload: schemas.ApprovalRequestCreateRequest
) -> ApprovalRequest:
    ctx.check(OBJECT, "create")
    if payload.object_type != "payable":
        raise UnsupportedObjectType()
    payable = PayableRepository(session, ctx).get(payload.object_id)
    entity_id = ctx.scoped_entity_id
    if payload.user_ids is not None:
        found = set(session.scalars(select(EntityUser.id).where(
            EntityUser.entity_id == entity_id, EntityUser.status == "active", EntityUser.id.in_(payload.user_ids))))
        if found != set(payload.user_ids):
            raise FieldError(("body", "user_ids"), "Every user must be an active entity user of this entity")
    elif payload.role_ids is not None:  # the schema requires exactly one of the two lists
        found = set(session.scalars(select(Role.id).where(
            Role.entity_id == entity_id, Role.status == "active", Role.id.in_(payload.role_ids))))
        if found != set(payload.role_ids):
            raise FieldError(("body", "role_ids"), "Every role must be a role of this entity")
    return engine.new_request(
        session,
        entity_id=entity_id,
        object_id=payable.id,
        user_ids=[str(u) for u in payload.user_ids or []],
        role_ids=[str(r) for r in payload.role_ids or []],
        required_approval_count=payload.required_approval_count,
        created_by=engine.actor_id(ctx),
    )


def check_decider(ctx: RequestContext, request: ApprovalRequest) -> None:
    """Only entity users; with ``approval_request.update`` (own counts); and eligible
    (docs/approvals.md, "Who may approve or reject")."""
    if ctx.is_partner:
        raise OnlyEntityUsersDecide()
    ctx.check(OBJECT, "update")  # allowed_for_own counts as granted here: eligibility is the test
    if str(ctx.entity_user_id) not in request.user_ids and str(ctx.user.role_id) not in request.role_ids:
        raise NotEligible()


def _locked(session: Session, ctx: RequestContext, request_id: uuid.UUID):
    """Lock payable, process and request, in that order, and return the fresh request and process."""
    request = RequestRepository(session, ctx).get(request_id)
    payable = PayableRepository(session, ctx).find_for_update(request.object_id)
    process = None
    if request.process_id is not None:
        process = session.scalars(
            select(ApprovalProcess).where(
                ApprovalProcess.entity_id == request.entity_id, ApprovalProcess.id == request.process_id
            )
            .with_for_update().execution_options(populate_existing=True)
        ).first()
    request = RequestRepository(session, ctx).get_for_update(request_id)
    return request, process, payable


def approve(session: Session, ctx: RequestContext, *, request_id: uuid.UUID) -> ApprovalRequest:
    check_decider(ctx, RequestRepository(session, ctx).get(request_id))
    request, process, payable = _locked(session, ctx, request_id)
    if request.status != ApprovalRequestStatus.waiting:
        raise RequestNotWaiting()
    if str(ctx.entity_user_id) in request.approved_by:
        raise AlreadyApproved()
    approved_by = [*request.approved_by, str(ctx.entity_user_id)]
    if len(approved_by) >= request.required_approval_count:
        engine.move_request(session, ctx, request, "approve", values={"approved_by": approved_by})
    else:
        request.approved_by = approved_by
        request.updated_at = clock.now()
        session.flush()
    _resume(session, ctx, request, process, payable, approver=ctx.entity_user_id)
    return request


def reject(session: Session, ctx: RequestContext, *, request_id: uuid.UUID) -> ApprovalRequest:
    check_decider(ctx, RequestRepository(session, ctx).get(request_id))
    request, process, payable = _locked(session, ctx, request_id)
    if request.status != ApprovalRequestStatus.waiting:
        raise RequestNotWaiting()
    engine.move_request(session, ctx, request, "reject", values={"rejected_by": ctx.entity_user_id})
    _resume(session, ctx, request, process, payable)
    return request


def cancel(session: Session, ctx: RequestContext, *, request_id: uuid.UUID) -> ApprovalRequest:
    request = RequestRepository(session, ctx).get(request_id)
    ctx.check(OBJECT, "update", owner_id=request.created_by)
    request, process, payable = _locked(session, ctx, request_id)
    if request.status != ApprovalRequestStatus.waiting:
        raise RequestNotWaiting()
    if process is not None and process.status in ACTIVE_PROCESS:
        engine.cancel_process(session, ctx, process)  # cancels this request with the rest
        session.refresh(request)
    else:
        engine.move_request(session, ctx, request, "cancel")
    return request


def _resume(session: Session, ctx: RequestContext, request: ApprovalRequest, process: Any, payable: Any, *,
            approver: uuid.UUID | None = None) -> None:
    if process is not None and payable is not None and process.status in ACTIVE_PROCESS:
        engine.advance(session, ctx, process, payable, approver=approver)


