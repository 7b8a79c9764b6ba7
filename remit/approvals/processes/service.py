"""Processes and steps of a policy, and cancelling a process (docs/approvals.md, "Processes and steps")."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.approvals.errors import ProcessNotFound
from remit.approvals.lifecycle import ACTIVE_PROCESS, ProcessNotActive
from remit.approvals.models import ApprovalProcess
from remit.approvals.policies.service import PolicyRepository
from remit.approvals.processes import engine
from remit.core.context import RequestContext
from remit.payables.repository import PayableRepository

OBJECT = "approval_policy"


def _policy(session: Session, ctx: RequestContext, policy_id: uuid.UUID, action: str):
    """The policy of the path; ``allowed_for_own`` reaches only the processes of one's own policies."""
    policy = PolicyRepository(session, ctx).get_any(policy_id)
    ctx.check(OBJECT, action, owner_id=policy.created_by)
    return policy


def _process(session: Session, ctx: RequestContext, policy_id: uuid.UUID, process_id: uuid.UUID,
             *, action: str = "read", for_update: bool = False) -> ApprovalProcess:
    policy = _policy(session, ctx, policy_id, action)
    stmt = select(ApprovalProcess).where(
        ApprovalProcess.entity_id == policy.entity_id,
        ApprovalProcess.policy_id == policy.id,
        ApprovalProcess.id == process_id,
    )
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    process = session.scalars(stmt).first()
    if process is None:
        raise ProcessNotFound(process_id)
    return process


def list_processes(session: Session, ctx: RequestContext, *, policy_id: uuid.UUID) -> dict[str, Any]:
    policy = _policy(session, ctx, policy_id, "read")
    rows = session.scalars(
        select(ApprovalProcess)
        .where(ApprovalProcess.entity_id == policy.entity_id, ApprovalProcess.policy_id == policy.id)
        .order_by(ApprovalProcess.created_at, ApprovalProcess.id)
    )
    return {"data": list(rows)}


def get_process(session: Session, ctx: RequestContext, *, policy_id: uuid.UUID, process_id: uuid.UUID) -> ApprovalProcess:
    return _process(session, ctx, policy_id, process_id)


def cancel(session: Session, ctx: RequestContext, *, policy_id: uuid.UUID, process_id: uuid.UUID) -> ApprovalProcess:
    process = _process(session, ctx, policy_id, process_id, action="update")
    PayableRepository(session, ctx).get_for_update(process.payable_id)  # lock order: payable, process
    process = _process(session, ctx, policy_id, process_id, action="update", for_update=True)
    if process.status not in ACTIVE_PROCESS:
        raise ProcessNotActive(process_id=process.id)
    engine.cancel_process(session, ctx, process)
    return process


def steps(session: Session, ctx: RequestContext, *, policy_id: uuid.UUID, process_id: uuid.UUID) -> dict[str, Any]:
    process = _process(session, ctx, policy_id, process_id)
    requests = engine.requests_of(session, process)
    data = []
    for gate in process.gates:
        request = requests.get(gate["approval_request_id"] or "")
        data.append({
            "object_id": process.payable_id,
            "user_ids": gate["user_ids"],
            "role_ids": gate["role_ids"],
            "required_approval_count": gate["required_approval_count"],
            "status": gate["status"],
            "approved_by": request.approved_by if request is not None else [],
            "rejected_by": request.rejected_by if request is not None else None,
            "approval_request_id": gate["approval_request_id"],
        })
    return {"data": data}
