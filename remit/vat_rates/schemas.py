from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from remit.core.enums import AllowedCountries
from remit.core.schemas import Omittable, RequestSchema, ResponseSchema


class VatRateComponent(RequestSchema):
    name: Annotated[str, Field(max_length=64)]
    value: Annotated[float, Field(ge=0, le=10000)]


class VatRateComponentResponse(ResponseSchema):
    name: str
    value: float | int


class VatRateResponse(ResponseSchema):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    country: AllowedCountries
    value: int
    components: list[VatRateComponentResponse] | None = None
    status: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    created_by: str = "monite"


class VatRateListResponse(ResponseSchema):
    data: list[VatRateResponse]


class CustomVatRateRequest(RequestSchema):
    name: Annotated[str, Field(max_length=64)]
    components: Annotated[list[VatRateComponent], Field(min_length=1, max_length=10)]


class CustomVatRateUpdateRequest(RequestSchema):
    name: Omittable[Annotated[str, Field(max_length=64)]] = None
    components: Omittable[Annotated[list[VatRateComponent], Field(min_length=1, max_length=10)]] = None


class CustomVatRateResponse(ResponseSchema):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    name: str
    components: list[VatRateComponentResponse]
    value: float | int
    created_by_entity_user_id: uuid.UUID | None = None


class CustomVatRateResponseList(ResponseSchema):
    data: list[CustomVatRateResponse]
