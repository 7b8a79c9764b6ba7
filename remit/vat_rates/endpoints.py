from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from remit.auth.deps import EntityCall
from remit.core.routing import API_PREFIX, COMMON_ERRORS
from remit.vat_rates import schemas, service

router = APIRouter(prefix=API_PREFIX, tags=["VAT rates"], responses=COMMON_ERRORS)


@router.get("/vat_rates", response_model=schemas.VatRateListResponse)
async def get_vat_rates(
    call: EntityCall,
    counterpart_id: uuid.UUID | None = None,
    entity_vat_id_id: uuid.UUID | None = None,
    counterpart_address_id: uuid.UUID | None = None,
    counterpart_vat_id_id: uuid.UUID | None = None,
    product_type: str | None = None,
):
    # counterpart_address_id, counterpart_vat_id_id and product_type are accepted and ignored
    # (docs/master-data.md, "VAT rates").
    return await call.run(service.list_vat_rates, counterpart_id=counterpart_id, entity_vat_id_id=entity_vat_id_id)


@router.post("/custom_vat_rates", status_code=201, response_model=schemas.CustomVatRateResponse)
async def post_custom_vat_rates(call: EntityCall, payload: schemas.CustomVatRateRequest):
    return await call.run(service.create_custom_vat_rate, payload=payload)


@router.get("/custom_vat_rates", response_model=schemas.CustomVatRateResponseList)
async def get_custom_vat_rates(call: EntityCall):
    return await call.run(service.list_custom_vat_rates)


@router.get("/custom_vat_rates/{custom_vat_rate_id}", response_model=schemas.CustomVatRateResponse)
async def get_custom_vat_rates_id(call: EntityCall, custom_vat_rate_id: uuid.UUID):
    return await call.run(service.get_custom_vat_rate, custom_vat_rate_id=custom_vat_rate_id)


@router.patch("/custom_vat_rates/{custom_vat_rate_id}", response_model=schemas.CustomVatRateResponse)
async def patch_custom_vat_rates_id(
    call: EntityCall, custom_vat_rate_id: uuid.UUID, payload: schemas.CustomVatRateUpdateRequest
):
    return await call.run(service.update_custom_vat_rate, custom_vat_rate_id=custom_vat_rate_id, payload=payload)


@router.delete("/custom_vat_rates/{custom_vat_rate_id}", status_code=204, response_class=Response)
async def delete_custom_vat_rates_id(call: EntityCall, custom_vat_rate_id: uuid.UUID):
    await call.run(service.delete_custom_vat_rate, custom_vat_rate_id=custom_vat_rate_id)
    return Response(status_code=204)
