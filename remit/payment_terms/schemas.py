from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field

from remit.core.schemas import Omittable, RequestSchema, ResponseSchema

Days = Annotated[int, Field(ge=0, le=10000, strict=True)]
BasisPoints = Annotated[int, Field(ge=0, le=10000, strict=True)]


class TermDiscountDays(RequestSchema):
    number_of_days: Days
    discount: BasisPoints


class TermFinalDays(RequestSchema):
    number_of_days: Days


class PaymentTermsCreatePayload(RequestSchema):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    description: Annotated[str, Field(max_length=255)] | None = None
    term_1: TermDiscountDays | None = None
    term_2: TermDiscountDays | None = None
    term_final: TermFinalDays


class PaymentTermsUpdatePayload(RequestSchema):
    name: Omittable[Annotated[str, Field(min_length=1, max_length=100)]] = None
    description: Annotated[str, Field(max_length=255)] | None = None
    term_1: TermDiscountDays | None = None
    term_2: TermDiscountDays | None = None
    term_final: Omittable[TermFinalDays] = None


class TermDiscountDaysResponse(ResponseSchema):
    number_of_days: int
    discount: int


class TermFinalDaysResponse(ResponseSchema):
    number_of_days: int


class PaymentTermsResponse(ResponseSchema):
    id: uuid.UUID
    name: str
    description: str | None = None
    term_1: TermDiscountDaysResponse | None = None
    term_2: TermDiscountDaysResponse | None = None
    term_final: TermFinalDaysResponse


class PaymentTermsListResponse(ResponseSchema):
    data: list[PaymentTermsResponse]
