from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from remit.auth.deps import EntityCall
from remit.core.routing import API_PREFIX, COMMON_ERRORS
from remit.products import schemas, service

router = APIRouter(prefix=API_PREFIX, tags=["Products"], responses=COMMON_ERRORS)


@router.post("/products", status_code=201, response_model=schemas.ProductServiceResponse)
async def post_products(call: EntityCall, payload: schemas.ProductServiceRequest):
    return await call.run(service.create_product, payload=payload)


@router.get("/products", response_model=schemas.ProductServicePaginationResponse)
async def get_products(call: EntityCall, query: Annotated[schemas.ProductListQuery, Query()]):
    return await call.run(service.list_products, query=query)


@router.get("/products/{product_id}", response_model=schemas.ProductServiceResponse)
async def get_products_id(call: EntityCall, product_id: uuid.UUID):
    return await call.run(service.get_product, product_id=product_id)


@router.patch("/products/{product_id}", response_model=schemas.ProductServiceResponse)
async def patch_products_id(call: EntityCall, product_id: uuid.UUID, payload: schemas.ProductServiceUpdate):
    return await call.run(service.update_product, product_id=product_id, payload=payload)


@router.delete("/products/{product_id}", status_code=204, response_class=Response)
async def delete_products_id(call: EntityCall, product_id: uuid.UUID):
    await call.run(service.delete_product, product_id=product_id)
    return Response(status_code=204)
