"""Wire shapes of counterparts and their sub-resources (Monite OpenAPI 2024-05-25)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from remit.core.enums import AllowedCountries, CurrencyEnum, LanguageCodeEnum, VatIDTypeEnum
from remit.core.pagination import CreatedAtRange, ListQuery
from remit.core.schemas import EmailStr, Omittable, RequestSchema, ResponseSchema
from remit.tags.schemas import TagCategory


def _iban(value: str) -> str:
    try:
        return IBAN(value).compact
    except SchwiftyException as exc:
        raise ValueError(f"Invalid IBAN: {exc}") from None


def _bic(value: str) -> str:
    try:
        return BIC(value).compact
    except SchwiftyException as exc:
        raise ValueError(f"Invalid BIC: {exc}") from None


Iban = Annotated[str, Field(max_length=42), AfterValidator(_iban)]  # up to 34 characters once compacted
Bic = Annotated[str, Field(max_length=14), AfterValidator(_bic)]
Text = Annotated[str, Field(min_length=1, max_length=255)]
Phone = Annotated[str, Field(max_length=100)]
Reference = Annotated[str, Field(min_length=1, max_length=255)]
TaxId = Annotated[str, Field(max_length=30)]


class CounterpartType(StrEnum):
    individual = "individual"
    organization = "organization"


# -- addresses ------------------------------------------------------------------------------


class CounterpartAddress(RequestSchema):
    city: Text
    country: AllowedCountries
    line1: Text
    line2: Annotated[str, Field(max_length=255)] | None = None
    postal_code: Annotated[str, Field(min_length=1, max_length=32)]
    state: Annotated[str, Field(max_length=255)] | None = None


class CounterpartUpdateAddress(RequestSchema):
    """An absent field is left alone; a null clears only what an address may be without."""

    city: Omittable[Text] = None
    country: Omittable[AllowedCountries] = None
    line1: Omittable[Text] = None
    line2: Annotated[str, Field(max_length=255)] | None = None
    postal_code: Omittable[Annotated[str, Field(min_length=1, max_length=32)]] = None
    state: Annotated[str, Field(max_length=255)] | None = None


class CounterpartAddressResponse(ResponseSchema):
    city: str
    country: AllowedCountries
    line1: str
    line2: str | None = None
    postal_code: str
    state: str | None = None


class CounterpartAddressResponseWithCounterpartID(CounterpartAddressResponse):
    id: uuid.UUID
    counterpart_id: uuid.UUID


class CounterpartAddressResourceList(ResponseSchema):
    data: list[CounterpartAddressResponseWithCounterpartID]


# -- counterparts ---------------------------------------------------------------------------


class _PartyCreate(RequestSchema):
    is_customer: bool
    is_vendor: bool
    address: CounterpartAddress
    email: EmailStr | None = None
    phone: Phone | None = None
    tag_ids: list[uuid.UUID] | None = None


class CounterpartOrganizationCreatePayload(_PartyCreate):
    legal_name: Text


class CounterpartIndividualCreatePayload(_PartyCreate):
    first_name: Text
    last_name: Text
    title: Annotated[str, Field(max_length=255)] | None = None


class _RootCreate(RequestSchema):
    external_reference: Reference | None = None
    language: LanguageCodeEnum = LanguageCodeEnum.en
    reminders_enabled: bool = True
    tax_id: TaxId | None = None


class CounterpartOrganizationRootCreatePayload(_RootCreate):
    type: Literal["organization"]
    organization: CounterpartOrganizationCreatePayload


class CounterpartIndividualRootCreatePayload(_RootCreate):
    type: Literal["individual"]
    individual: CounterpartIndividualCreatePayload


CounterpartCreatePayload = Annotated[
    CounterpartOrganizationRootCreatePayload | CounterpartIndividualRootCreatePayload, Field(discriminator="type")
]


class _PartyUpdate(RequestSchema):
    is_customer: Omittable[bool] = None
    is_vendor: Omittable[bool] = None
    email: EmailStr | None = None
    phone: Phone | None = None
    tag_ids: list[uuid.UUID] | None = None


class CounterpartOrganizationUpdatePayload(_PartyUpdate):
    legal_name: Omittable[Text] = None


class CounterpartIndividualUpdatePayload(_PartyUpdate):
    first_name: Omittable[Text] = None
    last_name: Omittable[Text] = None
    title: Annotated[str, Field(max_length=255)] | None = None


class CounterpartUpdatePayload(RequestSchema):
    """Monite's two update shapes (organization / individual) read as one: at most one part."""

    organization: Omittable[CounterpartOrganizationUpdatePayload] = None
    individual: Omittable[CounterpartIndividualUpdatePayload] = None
    default_billing_address_id: uuid.UUID | None = None
    default_shipping_address_id: uuid.UUID | None = None
    external_reference: Reference | None = None
    language: LanguageCodeEnum | None = None
    reminders_enabled: bool | None = None
    tax_id: TaxId | None = None

    @model_validator(mode="after")
    def _one_party(self) -> CounterpartUpdatePayload:
        if self.organization is not None and self.individual is not None:
            raise ValueError("give either organization or individual, not both")
        return self


class CounterpartTagSchema(ResponseSchema):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    name: str
    category: TagCategory | None = None
    created_by_entity_user_id: uuid.UUID | None = None
    description: str | None = None


class _PartyResponse(ResponseSchema):
    is_customer: bool
    is_vendor: bool
    email: str | None = None
    phone: str | None = None
    tags: list[CounterpartTagSchema] = Field(default_factory=list)


class CounterpartOrganizationResponse(_PartyResponse):
    legal_name: str


class CounterpartIndividualResponse(_PartyResponse):
    first_name: str
    last_name: str
    title: str | None = None


class _RootResponse(ResponseSchema):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    created_automatically: bool = False
    created_by_entity_user_id: uuid.UUID | None = None
    default_billing_address_id: uuid.UUID | None = None
    default_shipping_address_id: uuid.UUID | None = None
    external_reference: str | None = None
    language: LanguageCodeEnum | None = None
    reminders_enabled: bool | None = None
    tax_id: str | None = None


class CounterpartOrganizationRootResponse(_RootResponse):
    type: Literal["organization"]
    organization: CounterpartOrganizationResponse


class CounterpartIndividualRootResponse(_RootResponse):
    type: Literal["individual"]
    individual: CounterpartIndividualResponse


CounterpartResponse = Annotated[
    CounterpartOrganizationRootResponse | CounterpartIndividualRootResponse, Field(discriminator="type")
]


class CounterpartPaginationResponse(ResponseSchema):
    data: list[CounterpartResponse]
    next_pagination_token: str | None = None
    prev_pagination_token: str | None = None


class CounterpartCursorFields(StrEnum):
    counterpart_name = "counterpart_name"


class CounterpartListQuery(ListQuery, CreatedAtRange):
    sort: CounterpartCursorFields | None = None
    iban: Annotated[str, Field(max_length=42)] | None = None
    sort_code: Annotated[str, Field(max_length=100)] | None = None
    account_number: Annotated[str, Field(max_length=100)] | None = None
    tax_id: TaxId | None = None
    vat_id: Annotated[str, Field(max_length=30)] | None = None
    id__in: list[uuid.UUID] | None = None
    type: CounterpartType | None = None
    counterpart_name: str | None = None
    counterpart_name__iexact: str | None = None
    counterpart_name__contains: str | None = None
    counterpart_name__icontains: str | None = None
    is_vendor: bool | None = None
    is_customer: bool | None = None
    email: str | None = None
    email__contains: str | None = None
    email__icontains: str | None = None
    address_country: str | None = Field(None, alias="address.country")
    address_city: str | None = Field(None, alias="address.city")
    address_postal_code: str | None = Field(None, alias="address.postal_code")
    address_state: str | None = Field(None, alias="address.state")
    address_line1: str | None = Field(None, alias="address.line1")
    address_line2: str | None = Field(None, alias="address.line2")
    tag_ids__in: list[uuid.UUID] | None = None


# -- bank accounts --------------------------------------------------------------------------


class CreateCounterpartBankAccount(RequestSchema):
    country: AllowedCountries
    currency: CurrencyEnum
    account_holder_name: Annotated[str, Field(max_length=255)] | None = None
    account_number: Annotated[str, Field(max_length=100)] | None = None
    bic: Bic | None = None
    iban: Iban | None = None
    is_default_for_currency: bool = False
    name: Annotated[str, Field(max_length=200)] | None = None
    partner_metadata: dict[str, Any] | None = None
    routing_number: Annotated[str, Field(max_length=100)] | None = None
    sort_code: Annotated[str, Field(max_length=100)] | None = None


class UpdateCounterpartBankAccount(RequestSchema):
    country: Omittable[AllowedCountries] = None
    currency: Omittable[CurrencyEnum] = None
    account_holder_name: Annotated[str, Field(max_length=255)] | None = None
    account_number: Annotated[str, Field(max_length=100)] | None = None
    bic: Bic | None = None
    iban: Iban | None = None
    name: Annotated[str, Field(max_length=200)] | None = None
    partner_metadata: dict[str, Any] | None = None
    routing_number: Annotated[str, Field(max_length=100)] | None = None
    sort_code: Annotated[str, Field(max_length=100)] | None = None


class CounterpartBankAccountResponse(ResponseSchema):
    id: uuid.UUID
    counterpart_id: uuid.UUID
    country: AllowedCountries
    currency: CurrencyEnum
    account_holder_name: str | None = None
    account_number: str | None = None
    bic: str | None = None
    iban: str | None = None
    is_default_for_currency: bool = False
    name: str | None = None
    partner_metadata: dict[str, Any] | None = None
    routing_number: str | None = None
    sort_code: str | None = None


class CounterpartBankAccountResourceList(ResponseSchema):
    data: list[CounterpartBankAccountResponse]


# -- contacts -------------------------------------------------------------------------------


class CreateCounterpartContactPayload(RequestSchema):
    first_name: Text
    last_name: Text
    address: CounterpartAddress
    email: EmailStr | None = None
    phone: Phone | None = None
    title: Annotated[str, Field(max_length=255)] | None = None


class UpdateCounterpartContactPayload(RequestSchema):
    first_name: Omittable[Text] = None
    last_name: Omittable[Text] = None
    address: Omittable[CounterpartAddress] = None
    email: EmailStr | None = None
    phone: Phone | None = None
    title: Annotated[str, Field(max_length=255)] | None = None


class CounterpartContactResponse(ResponseSchema):
    id: uuid.UUID
    counterpart_id: uuid.UUID
    first_name: str
    last_name: str
    address: CounterpartAddressResponse
    email: str | None = None
    phone: str | None = None
    title: str | None = None
    is_default: bool


class CounterpartContactsResourceList(ResponseSchema):
    data: list[CounterpartContactResponse]


# -- VAT ids --------------------------------------------------------------------------------


class CounterpartVatID(RequestSchema):
    value: Annotated[str, Field(min_length=1, max_length=32)]
    country: AllowedCountries | None = None
    type: VatIDTypeEnum = VatIDTypeEnum.unknown


class CounterpartUpdateVatID(RequestSchema):
    value: Omittable[Annotated[str, Field(min_length=1, max_length=32)]] = None
    country: AllowedCountries | None = None
    type: Omittable[VatIDTypeEnum] = None


class CounterpartVatIDResponse(ResponseSchema):
    id: uuid.UUID
    counterpart_id: uuid.UUID
    value: str
    country: AllowedCountries | None = None
    type: VatIDTypeEnum = VatIDTypeEnum.unknown


class CounterpartVatIDResourceList(ResponseSchema):
    data: list[CounterpartVatIDResponse]


# -- e-invoicing credentials (stored only) ---------------------------------------------------


class EinvoiceSchemaTypeEnum(StrEnum):
    de_vat = "DE:VAT"
    nl_kvk = "NL:KVK"
    nl_vat = "NL:VAT"
    be_vat = "BE:VAT"
    be_en = "BE:EN"


class CreateCounterpartEinvoicingCredentialPayload(RequestSchema):
    """Either a counterpart VAT id to derive the credential from, or the network id and schema."""

    counterpart_vat_id_id: uuid.UUID | None = None
    network_identifier: Omittable[Reference] = None
    network_schema: Omittable[EinvoiceSchemaTypeEnum] = None

    @model_validator(mode="after")
    def _one_form(self) -> CreateCounterpartEinvoicingCredentialPayload:
        direct = self.network_identifier is not None and self.network_schema is not None
        if (self.counterpart_vat_id_id is not None) == direct:
            raise ValueError("give counterpart_vat_id_id, or network_identifier with network_schema")
        return self


class UpdateCounterpartEinvoicingCredentialSchema(RequestSchema):
    network_identifier: Omittable[Reference] = None
    network_schema: Omittable[EinvoiceSchemaTypeEnum] = None


class CounterpartEinvoicingCredentialResponse(ResponseSchema):
    id: uuid.UUID
    network_identifier: str
    network_schema: EinvoiceSchemaTypeEnum


class CounterpartEinvoicingCredentialResponseList(ResponseSchema):
    data: list[CounterpartEinvoicingCredentialResponse]

