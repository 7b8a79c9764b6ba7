"""``/receivable_rejection_reasons``: the entity's catalogue of reasons for rejecting draft invoices
(remit extension;
docs/receivables.md, "The rejection-reason catalogue")."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response

from remit.auth.deps import EntityCall
from remit.core.routing import API_PREFIX, COMMON_ERRORS, errors
from remit.receivables.rejection_reasons import schemas, service

EXTENSION = {"x-remit-extension": True}
router = APIRouter(prefix=API_PREFIX, tags=["Receivable rejection reasons", "remit extensions"],
                   responses=COMMON_ERRORS)


@router.get("/receivable_rejection_reasons", response_model=schemas.ReceivableRejectionReasonList,
            openapi_extra=EXTENSION)
async def get_receivable_rejection_reasons(call: EntityCall) -> Any:
    return await call.run(service.list_reasons)


@router.post("/receivable_rejection_reasons", status_code=201,
             response_model=schemas.ReceivableRejectionReasonResponse, responses=errors(409), openapi_extra=EXTENSION)
async def post_receivable_rejection_reasons(call: EntityCall,
                                            payload: schemas.ReceivableRejectionReasonCreatePayload) -> Any:
    return await call.run(service.create_reason, payload=payload)


@router.get("/receivable_rejection_reasons/{reason_id}", response_model=schemas.ReceivableRejectionReasonResponse,
            openapi_extra=EXTENSION)
async def get_receivable_rejection_reasons_id(call: EntityCall, reason_id: uuid.UUID) -> Any:
    return await call.run(service.get_reason, reason_id=reason_id)


@router.patch("/receivable_rejection_reasons/{reason_id}", response_model=schemas.ReceivableRejectionReasonResponse,
              responses=errors(409), openapi_extra=EXTENSION)
async def patch_receivable_rejection_reasons_id(call: EntityCall, reason_id: uuid.UUID,
                                                payload: schemas.ReceivableRejectionReasonUpdatePayload) -> Any:
    return await call.run(service.update_reason, reason_id=reason_id, payload=payload)


@router.delete("/receivable_rejection_reasons/{reason_id}", status_code=204, response_class=Response,
               openapi_extra=EXTENSION)
async def delete_receivable_rejection_reasons_id(call: EntityCall, reason_id: uuid.UUID) -> Response:
    await call.run(service.delete_reason, reason_id=reason_id)
    return Response(status_code=204)
