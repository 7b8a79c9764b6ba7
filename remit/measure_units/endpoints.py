from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from remit.auth.deps import EntityCall
from remit.core.routing import API_PREFIX, COMMON_ERRORS
from remit.measure_units import schemas, service

router = APIRouter(prefix=API_PREFIX, tags=["Measure units"], responses=COMMON_ERRORS)


@router.post("/measure_units", status_code=201, response_model=schemas.UnitResponse)
async def post_measure_units(call: EntityCall, payload: schemas.UnitRequest):
    return await call.run(service.create_unit, payload=payload)


@router.get("/measure_units", response_model=schemas.UnitListResponse)
async def get_measure_units(call: EntityCall):
    return await call.run(service.list_units)


@router.get("/measure_units/{unit_id}", response_model=schemas.UnitResponse)
async def get_measure_units_id(call: EntityCall, unit_id: uuid.UUID):
    return await call.run(service.get_unit, unit_id=unit_id)


@router.patch("/measure_units/{unit_id}", response_model=schemas.UnitResponse)
async def patch_measure_units_id(call: EntityCall, unit_id: uuid.UUID, payload: schemas.UnitUpdate):
    return await call.run(service.update_unit, unit_id=unit_id, payload=payload)


@router.delete("/measure_units/{unit_id}", status_code=204, response_class=Response)
async def delete_measure_units_id(call: EntityCall, unit_id: uuid.UUID):
    await call.run(service.delete_unit, unit_id=unit_id)
    return Response(status_code=204)
