from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from remit.approvals.policies import schemas, service
from remit.auth.deps import EntityCall
from remit.core.routing import API_PREFIX, COMMON_ERRORS

router = APIRouter(prefix=API_PREFIX, tags=["Approval policies"], responses=COMMON_ERRORS)


@router.post("/approval_policies/dry_run", response_model=schemas.DryRunResponse, tags=["remit extensions"],
             summary="Preview which policy would take a payable and whom it would ask (remit extension)")
async def post_approval_policies_dry_run(call: EntityCall, payload: schemas.DryRunRequest):
    return await call.run(service.dry_run, payload=payload)


@router.post("/approval_policies", status_code=201, response_model=schemas.ApprovalPolicyResource)
async def post_approval_policies(call: EntityCall, payload: schemas.ApprovalPolicyCreate):
    return await call.run(service.create_policy, payload=payload)


@router.get("/approval_policies", response_model=schemas.ApprovalPolicyResourceList)
async def get_approval_policies(call: EntityCall, query: Annotated[schemas.ApprovalPolicyListQuery, Query()]):
    return await call.run(service.list_policies, query=query)


@router.get("/approval_policies/{approval_policy_id}", response_model=schemas.ApprovalPolicyResource)
async def get_approval_policies_id(call: EntityCall, approval_policy_id: uuid.UUID):
    return await call.run(service.get_policy, policy_id=approval_policy_id)


@router.patch("/approval_policies/{approval_policy_id}", response_model=schemas.ApprovalPolicyResource)
async def patch_approval_policies_id(
    call: EntityCall, approval_policy_id: uuid.UUID, payload: schemas.ApprovalPolicyUpdate
):
    return await call.run(service.update_policy, policy_id=approval_policy_id, payload=payload)


@router.delete("/approval_policies/{approval_policy_id}", status_code=204, response_class=Response)
async def delete_approval_policies_id(call: EntityCall, approval_policy_id: uuid.UUID):
    await call.run(service.delete_policy, policy_id=approval_policy_id)
    return Response(status_code=204)
