from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from remit.core.enums import CurrencyEnum
from remit.core.money import MAX_AMOUNT, MinorUnits
from remit.core.pagination import CreatedAtRange, ListQuery
from remit.core.schemas import Omittable, PaginatedResponse, RequestSchema, ResponseSchema

Name = Annotated[str, Field(min_length=1, max_length=100)]
Reference = Annotated[str, Field(min_length=1, max_length=255)]
SmallestAmount = Annotated[Decimal, Field(ge=0, le=2147483647)]


class ProductServiceTypeEnum(StrEnum):
    product = "product"
    service = "service"


class Price(RequestSchema):
    currency: CurrencyEnum
    value: MinorUnits


class PriceResponse(ResponseSchema):
    currency: CurrencyEnum
    value: int


class ProductServiceRequest(RequestSchema):
    name: Name
    description: Annotated[str, Field(max_length=2000)] | None = None
    type: ProductServiceTypeEnum = ProductServiceTypeEnum.product
    price: Price | None = None
    measure_unit_id: uuid.UUID | None = None
    smallest_amount: SmallestAmount | None = None
    external_reference: Reference | None = None
    ledger_account_id: uuid.UUID | None = None


class ProductServiceUpdate(RequestSchema):
    name: Omittable[Name] = None
    description: Annotated[str, Field(max_length=2000)] | None = None
    type: Omittable[ProductServiceTypeEnum] = None
    price: Price | None = None
    measure_unit_id: uuid.UUID | None = None
    smallest_amount: SmallestAmount | None = None
    external_reference: Reference | None = None
    ledger_account_id: uuid.UUID | None = None


class ProductServiceResponse(ResponseSchema):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    entity_id: uuid.UUID
    entity_user_id: uuid.UUID | None = None
    name: str
    description: str | None = None
    type: ProductServiceTypeEnum = ProductServiceTypeEnum.product
    price: PriceResponse | None = None
    measure_unit_id: uuid.UUID | None = None
    smallest_amount: float | None = None
    external_reference: str | None = None
    ledger_account_id: uuid.UUID | None = None


class ProductServicePaginationResponse(PaginatedResponse):
    data: list[ProductServiceResponse]


class ProductCursorFields(StrEnum):
    name = "name"


NameFilter = Annotated[str, Field(max_length=100)]
PriceFilter = Annotated[int, Field(ge=0, le=MAX_AMOUNT)]


class ProductListQuery(ListQuery, CreatedAtRange):
    sort: ProductCursorFields | None = None
    id__in: list[uuid.UUID] | None = None
    name: NameFilter | None = None
    name__contains: NameFilter | None = None
    name__icontains: NameFilter | None = None
    type: ProductServiceTypeEnum | None = None
    price: PriceFilter | None = None
    price__gt: PriceFilter | None = None
    price__lt: PriceFilter | None = None
    price__gte: PriceFilter | None = None
    price__lte: PriceFilter | None = None
    currency: CurrencyEnum | None = None
    currency__in: list[CurrencyEnum] | None = None
    measure_unit_id: uuid.UUID | None = None
