from __future__ import annotations

import uuid

from fastapi import APIRouter

from remit.approvals.processes import schemas, service
from remit.auth.deps import EntityCall
from remit.core.routing import API_PREFIX, COMMON_ERRORS, errors

router = APIRouter(prefix=API_PREFIX, tags=["Approval policies"], responses=COMMON_ERRORS)
BASE = "/approval_policies/{approval_policy_id}/processes"


@router.get(BASE, response_model=schemas.ApprovalProcessResourceList)
async def get_approval_policies_id_processes(call: EntityCall, approval_policy_id: uuid.UUID):
    return await call.run(service.list_processes, policy_id=approval_policy_id)


@router.get(BASE + "/{process_id}", response_model=schemas.ProcessResource)
async def get_approval_policies_id_processes_id(call: EntityCall, approval_policy_id: uuid.UUID, process_id: uuid.UUID):
    return await call.run(service.get_process, policy_id=approval_policy_id, process_id=process_id)


@router.post(BASE + "/{process_id}/cancel", response_model=schemas.ProcessResource, responses=errors(409))
async def post_approval_policies_id_processes_id_cancel(
    call: EntityCall, approval_policy_id: uuid.UUID, process_id: uuid.UUID
):
    return await call.run(service.cancel, policy_id=approval_policy_id, process_id=process_id)


@router.get(BASE + "/{process_id}/steps", response_model=schemas.ApprovalProcessStepResourceList)
async def get_approval_policies_id_processes_id_steps(
    call: EntityCall, approval_policy_id: uuid.UUID, process_id: uuid.UUID
):
    return await call.run(service.steps, policy_id=approval_policy_id, process_id=process_id)
