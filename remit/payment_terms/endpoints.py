from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from remit.auth.deps import EntityCall
from remit.core.routing import API_PREFIX, COMMON_ERRORS
from remit.payment_terms import schemas, service

router = APIRouter(prefix=API_PREFIX, tags=["Payment terms"], responses=COMMON_ERRORS)


@router.post("/payment_terms", status_code=201, response_model=schemas.PaymentTermsResponse)
async def post_payment_terms(call: EntityCall, payload: schemas.PaymentTermsCreatePayload):
    return await call.run(service.create_payment_terms, payload=payload)


@router.get("/payment_terms", response_model=schemas.PaymentTermsListResponse)
async def get_payment_terms(call: EntityCall):
    return await call.run(service.list_payment_terms)


@router.get("/payment_terms/{payment_terms_id}", response_model=schemas.PaymentTermsResponse)
async def get_payment_terms_id(call: EntityCall, payment_terms_id: uuid.UUID):
    return await call.run(service.get_payment_terms, payment_terms_id=payment_terms_id)


@router.patch("/payment_terms/{payment_terms_id}", response_model=schemas.PaymentTermsResponse)
async def patch_payment_terms_id(call: EntityCall, payment_terms_id: uuid.UUID, payload: schemas.PaymentTermsUpdatePayload):
    return await call.run(service.update_payment_terms, payment_terms_id=payment_terms_id, payload=payload)


@router.delete("/payment_terms/{payment_terms_id}", status_code=204, response_class=Response)
async def delete_payment_terms_id(call: EntityCall, payment_terms_id: uuid.UUID):
    await call.run(service.delete_payment_terms, payment_terms_id=payment_terms_id)
    return Response(status_code=204)
