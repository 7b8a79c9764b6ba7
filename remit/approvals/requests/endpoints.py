from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from remit.approvals.requests import schemas, service
from remit.auth.deps import EntityCall
from remit.core.routing import API_PREFIX, COMMON_ERRORS, errors

router = APIRouter(prefix=API_PREFIX, tags=["Approval requests"], responses=COMMON_ERRORS)


@router.get("/approval_requests", response_model=schemas.ApprovalRequestResourceList)
async def get_approval_requests(call: EntityCall, query: Annotated[schemas.ApprovalRequestListQuery, Query()]):
    return await call.run(service.list_requests, query=query)


@router.post("/approval_requests", status_code=201, response_model=schemas.ApprovalRequestResourceWithMetadata)
async def post_approval_requests(call: EntityCall, payload: schemas.ApprovalRequestCreateRequest):
    return await call.run(service.create_request, payload=payload)


@router.get("/approval_requests/{approval_request_id}", response_model=schemas.ApprovalRequestResourceWithMetadata)
async def get_approval_requests_id(call: EntityCall, approval_request_id: uuid.UUID):
    return await call.run(service.get_request, request_id=approval_request_id)


@router.post("/approval_requests/{approval_request_id}/approve",
             response_model=schemas.ApprovalRequestResourceWithMetadata, responses=errors(409))
async def post_approval_requests_id_approve(call: EntityCall, approval_request_id: uuid.UUID):
    return await call.run(service.approve, request_id=approval_request_id)


@router.post("/approval_requests/{approval_request_id}/reject",
             response_model=schemas.ApprovalRequestResourceWithMetadata, responses=errors(409))
async def post_approval_requests_id_reject(call: EntityCall, approval_request_id: uuid.UUID):
    return await call.run(service.reject, request_id=approval_request_id)


@router.post("/approval_requests/{approval_request_id}/cancel",
             response_model=schemas.ApprovalRequestResourceWithMetadata, responses=errors(409))
async def post_approval_requests_id_cancel(call: EntityCall, approval_request_id: uuid.UUID):
    return await call.run(service.cancel, request_id=approval_request_id)
