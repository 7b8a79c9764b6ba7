"""Wire shapes of the entity's bank accounts (Monite OpenAPI 2024-05-25)."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field

from remit.core.enums import AllowedCountries, CurrencyEnum
from remit.core.schemas import PaginatedResponse, RequestSchema, ResponseSchema
from remit.counterparts.schemas import Bic, Iban

Name = Annotated[str, Field(min_length=1, max_length=200)]
# Monite gives these no length; the bounds are the columns', so a longer value is a 422, not a
# value the database refuses.
Number = Annotated[str, Field(max_length=100)]
BankName = Annotated[str, Field(max_length=255)]


class CreateEntityBankAccountRequest(RequestSchema):
    country: AllowedCountries
    currency: CurrencyEnum
    account_holder_name: Name | None = None
    account_number: Number | None = None
    bank_name: BankName | None = None
    bic: Bic | None = None
    display_name: Name | None = None
    iban: Iban | None = None
    is_default_for_currency: bool = False
    routing_number: Number | None = None
    sort_code: Number | None = None


class UpdateEntityBankAccountRequest(RequestSchema):
    """Only the names change; an account's country, currency and numbers are fixed once created."""

    account_holder_name: Name | None = None
    display_name: Name | None = None


class EntityBankAccountResponse(ResponseSchema):
    id: uuid.UUID
    account_holder_name: str | None = None
    account_number: str | None = None
    bank_name: str | None = None
    bic: str | None = None
    country: AllowedCountries | None = None
    currency: CurrencyEnum | None = None
    display_name: str | None = None
    iban: str | None = None
    is_default_for_currency: bool = False
    routing_number: str | None = None
    sort_code: str | None = None
    was_created_by_user_id: uuid.UUID | None = None


class EntityBankAccountPaginationResponse(PaginatedResponse):
    data: list[EntityBankAccountResponse]
