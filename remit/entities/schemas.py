"""Wire shapes of entities, their settings and VAT ids (Monite OpenAPI 2024-05-25)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, field_serializer

from remit.core.enums import AllowedCountries, CurrencyEnum, EntityBusinessStructure, LanguageCodeEnum, VatIDTypeEnum
from remit.core.pagination import CreatedAtRange, ListQuery
from remit.core.schemas import (
    EmailStr,
    Omittable,
    PaginatedResponse,
    RequestSchema,
    ResponseSchema,
    Url2083,
)
from remit.entities.models import EntityStatus, EntityType

Str100 = Annotated[str, Field(min_length=1, max_length=100)]


class EntityAddressSchema(RequestSchema):
    city: Str100
    country: AllowedCountries
    line1: Annotated[str, Field(min_length=1, max_length=200)]
    line2: Str100 | None = None
    postal_code: Annotated[str, Field(min_length=1, max_length=10)]
    state: Str100 | None = None


class UpdateEntityAddressSchema(RequestSchema):
    city: Str100 | None = None
    line1: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    line2: Str100 | None = None
    postal_code: Annotated[str, Field(min_length=1, max_length=10)] | None = None
    state: Str100 | None = None


class OrganizationSchema(RequestSchema):
    legal_name: Annotated[str, Field(min_length=1, max_length=255)]
    business_structure: EntityBusinessStructure | None = None
    directors_provided: bool | None = None
    executives_provided: bool | None = None
    legal_entity_id: Annotated[str, Field(min_length=1, max_length=20)] | None = None
    owners_provided: bool | None = None
    representative_provided: bool | None = None


class OptionalOrganizationSchema(RequestSchema):
    legal_name: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    business_structure: EntityBusinessStructure | None = None
    directors_provided: bool | None = None
    executives_provided: bool | None = None
    legal_entity_id: Annotated[str, Field(min_length=1, max_length=20)] | None = None
    owners_provided: bool | None = None
    representative_provided: bool | None = None


class IndividualSchema(RequestSchema):
    first_name: Str100
    last_name: Str100
    date_of_birth: date | None = None
    id_number: Str100 | None = None
    ssn_last_4: Annotated[str, Field(min_length=4, max_length=4)] | None = None
    title: Annotated[str, Field(min_length=1, max_length=10)] | None = None


class OptionalIndividualSchema(RequestSchema):
    first_name: Str100 | None = None
    last_name: Str100 | None = None
    date_of_birth: date | None = None
    id_number: Str100 | None = None
    ssn_last_4: Annotated[str, Field(min_length=4, max_length=4)] | None = None
    title: Annotated[str, Field(min_length=1, max_length=10)] | None = None


class CreateEntityRequest(RequestSchema):
    type: EntityType
    email: EmailStr
    address: EntityAddressSchema
    organization: OrganizationSchema | None = None
    individual: IndividualSchema | None = None
    phone: Annotated[str, Field(max_length=100)] | None = None
    registration_authority: Str100 | None = None
    registration_number: Str100 | None = None
    tax_id: Annotated[str, Field(min_length=1, max_length=30)] | None = None
    website: Url2083 | None = None


class UpdateEntityRequest(RequestSchema):
    address: UpdateEntityAddressSchema | None = None
    email: EmailStr | None = None
    individual: OptionalIndividualSchema | None = None
    organization: OptionalOrganizationSchema | None = None
    phone: Annotated[str, Field(max_length=100)] | None = None
    registration_authority: Str100 | None = None
    registration_number: Str100 | None = None
    tax_id: Annotated[str, Field(min_length=1, max_length=30)] | None = None
    website: Url2083 | None = None


class EntityAddressResponseSchema(ResponseSchema):
    city: str
    country: AllowedCountries
    line1: str
    line2: str | None = None
    postal_code: str
    state: str | None = None


class OrganizationResponseSchema(ResponseSchema):
    legal_name: str
    business_structure: EntityBusinessStructure | None = None
    directors_provided: bool | None = None
    executives_provided: bool | None = None
    legal_entity_id: str | None = None
    owners_provided: bool | None = None
    representative_provided: bool | None = None


class IndividualResponseSchema(ResponseSchema):
    first_name: str
    last_name: str
    date_of_birth: date | None = None
    id_number: str | None = None
    ssn_last_4: str | None = None
    title: str | None = None


class _EntityResponseBase(ResponseSchema):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    address: EntityAddressResponseSchema
    email: str | None = None
    logo: dict[str, Any] | None = None
    phone: str | None = None
    registration_authority: str | None = None
    registration_number: str | None = None
    status: EntityStatus
    tax_id: str | None = None
    website: str | None = None


class EntityOrganizationResponse(_EntityResponseBase):
    type: Literal["organization"]
    organization: OrganizationResponseSchema


class EntityIndividualResponse(_EntityResponseBase):
    type: Literal["individual"]
    individual: IndividualResponseSchema


EntityResponse = Annotated[EntityOrganizationResponse | EntityIndividualResponse, Field(discriminator="type")]


class EntityPaginationResponse(PaginatedResponse):
    data: list[EntityResponse]


class EntityCursorFields(StrEnum):
    created_at = "created_at"
    updated_at = "updated_at"


class EntityListQuery(ListQuery, CreatedAtRange):
    sort: EntityCursorFields | None = None
    type: EntityType | None = None
    id__in: list[uuid.UUID] | None = None
    id__not_in: list[uuid.UUID] | None = None
    email: str | None = None
    email__in: list[str] | None = None
    email__not_in: list[str] | None = None
    status: EntityStatus | None = None


# -- VAT ids ------------------------------------------------------------------------------


class EntityVatID(RequestSchema):
    country: AllowedCountries
    value: Annotated[str, Field(max_length=32)]
    type: VatIDTypeEnum = VatIDTypeEnum.unknown


class EntityUpdateVatID(RequestSchema):
    country: AllowedCountries | None = None
    type: VatIDTypeEnum | None = None
    value: Annotated[str, Field(max_length=32)] | None = None


class EntityVatIDResponse(ResponseSchema):
    id: uuid.UUID
    entity_id: uuid.UUID
    country: AllowedCountries
    type: VatIDTypeEnum = VatIDTypeEnum.unknown
    value: str


class EntityVatIDResourceList(ResponseSchema):
    data: list[EntityVatIDResponse]


# -- partner metadata -----------------------------------------------------------------------




# -- settings -------------------------------------------------------------------------------


class ExchangeRate(RequestSchema):
    base: CurrencyEnum
    to: CurrencyEnum
    rate: Annotated[float, Field(gt=0)]


class CurrencySettings(RequestSchema):
    default: CurrencyEnum
    exchange_rates: list[ExchangeRate | None] = Field(default_factory=list)


class RemindersSettings(RequestSchema):
    enabled: bool = True


class VatModeEnum(StrEnum):
    exclusive = "exclusive"
    inclusive = "inclusive"


class PaymentPriorityEnum(StrEnum):
    working_capital = "working_capital"
    balanced = "balanced"
    bottom_line = "bottom_line"


class ReceivableEditFlow(StrEnum):
    compliant = "compliant"
    partially_compliant = "partially_compliant"
    non_compliant = "non_compliant"


class DocumentIDSeparators(StrEnum):
    slash = "/"
    dash = "-"
    pipe = "|"
    dot = "."
    nothing = ""


Prefix = Annotated[str, Field(min_length=1, max_length=25)]


class DocumentTypePrefix(RequestSchema):
    credit_note: Prefix = "CN"
    delivery_note: Prefix = "DN"
    invoice: Prefix = "INV"
    purchase_order: Prefix = "PO"
    quote: Prefix = "Q"


NextNumber = Annotated[int, Field(ge=1, le=9223372036854775807)]


class DocumentIDsSettingsNextNumber(RequestSchema):
    credit_note: NextNumber | None = None
    delivery_note: NextNumber | None = None
    invoice: NextNumber | None = None
    purchase_order: NextNumber | None = None
    quote: NextNumber | None = None


class DocumentIDsSettingsRequest(RequestSchema):
    """Only what is given is merged (``exclude_unset``); the fields Monite's settings never hold as
    null refuse null, as its schema does."""

    document_type_prefix: DocumentTypePrefix = DocumentTypePrefix()
    include_date: bool = False
    min_digits: Annotated[int, Field(ge=1, le=25)] = 5
    next_number: DocumentIDsSettingsNextNumber | None = None
    prefix: Prefix | None = None
    separator: DocumentIDSeparators = DocumentIDSeparators.dash


# The rendering settings of an entity (and of a receivable) always have their flags, and a column
# its ``display`` (Monite's defaults, remit/entities/defaults.py): a null for them is refused
# rather than stored (docs/decisions.md, "Nulls in requests").


class ColumnSettings(RequestSchema):
    display: Omittable[bool] = None
    label: Annotated[str, Field(min_length=1, max_length=32)] | None = None


class NumericColumnSettings(ColumnSettings):
    precision: Annotated[int, Field(ge=2, le=4)] | None = None


class LineItemsRenderingSettings(RequestSchema):
    discount: ColumnSettings | None = None
    measure_unit: ColumnSettings | None = None
    name: ColumnSettings | None = None
    price: NumericColumnSettings | None = None
    price_after_vat: NumericColumnSettings | None = None
    quantity: ColumnSettings | None = None
    total_price: NumericColumnSettings | None = None
    total_price_after_vat: NumericColumnSettings | None = None
    vat_amount: Omittable[NumericColumnSettings] = None
    vat_rate: NumericColumnSettings | None = None


class BankAccountDisplay(RequestSchema):
    display_entity_bank_account: Omittable[bool] = None


class QuoteRenderingSettings(BankAccountDisplay):
    display_signature: Omittable[bool] = None


class DocumentRenderingSettings(RequestSchema):
    credit_note: BankAccountDisplay | None = None
    display_entity_bank_account: Omittable[bool] = None
    display_line_items: Omittable[bool] = None
    invoice: BankAccountDisplay | None = None
    line_items: LineItemsRenderingSettings | None = None
    quote: QuoteRenderingSettings | None = None


# A receivable returns the rendering settings it was given, and null for the rest (it falls back to
# its entity's for those).


class ColumnSettingsResponse(ResponseSchema):
    display: bool | None = None
    label: str | None = None


class NumericColumnSettingsResponse(ColumnSettingsResponse):
    precision: int | None = None


class LineItemsRenderingSettingsResponse(ResponseSchema):
    discount: ColumnSettingsResponse | None = None
    measure_unit: ColumnSettingsResponse | None = None
    name: ColumnSettingsResponse | None = None
    price: NumericColumnSettingsResponse | None = None
    price_after_vat: NumericColumnSettingsResponse | None = None
    quantity: ColumnSettingsResponse | None = None
    total_price: NumericColumnSettingsResponse | None = None
    total_price_after_vat: NumericColumnSettingsResponse | None = None
    vat_amount: NumericColumnSettingsResponse | None = None
    vat_rate: NumericColumnSettingsResponse | None = None


class BankAccountDisplayResponse(ResponseSchema):
    display_entity_bank_account: bool | None = None


class QuoteRenderingSettingsResponse(BankAccountDisplayResponse):
    display_signature: bool | None = None


class DocumentRenderingSettingsResponse(ResponseSchema):
    credit_note: BankAccountDisplayResponse | None = None
    display_entity_bank_account: bool | None = None
    display_line_items: bool | None = None
    invoice: BankAccountDisplayResponse | None = None
    line_items: LineItemsRenderingSettingsResponse | None = None
    quote: QuoteRenderingSettingsResponse | None = None


class EntityMailSettings(RequestSchema):
    reply_to: list[EmailStr] | None = None


class OcrAutoTaggingSettingsRequest(RequestSchema):
    enabled: bool
    keywords: Annotated[list[str], Field(min_length=1, max_length=50)]
    tag_id: uuid.UUID


class DefaultLedgerAccountIDs(RequestSchema):
    payments: uuid.UUID | None = None
    products: uuid.UUID | None = None


class DefaultAccountingTaxIDs(RequestSchema):
    deductions: uuid.UUID | None = None


class AccountingSettings(RequestSchema):
    ledger_account_ids: DefaultLedgerAccountIDs | None = None
    tax_ids: DefaultAccountingTaxIDs | None = None


class PatchSettingsPayload(RequestSchema):
    """All optional; what is given is deep-merged into the stored settings. The fields that are
    never null in the settings (Monite's booleans and ``vat_inclusive_discount_mode``) refuse null."""

    accounting: AccountingSettings | None = None
    allow_purchase_order_autolinking: bool | None = None
    currency: CurrencySettings | None = None
    document_ids: DocumentIDsSettingsRequest | None = None
    document_rendering: DocumentRenderingSettings | None = None
    generate_paid_invoice_pdf: bool = False
    language: LanguageCodeEnum | None = None
    mail: EntityMailSettings | None = None
    payables_ocr_auto_tagging: list[OcrAutoTaggingSettingsRequest] | None = None
    payables_skip_approval_flow: bool = False
    payment_priority: PaymentPriorityEnum | None = None
    quote_signature_required: bool = False
    receivable_edit_flow: ReceivableEditFlow | None = None
    reminder: RemindersSettings | None = None
    vat_inclusive_discount_mode: VatModeEnum = VatModeEnum.exclusive
    vat_mode: VatModeEnum | None = None


class SettingsResponse(ResponseSchema):
    """The stored settings document; its keys and defaults are Monite's ``SettingsResponse``."""

    accounting: dict[str, Any] | None = None
    allow_purchase_order_autolinking: bool | None = True
    currency: dict[str, Any] | None = None
    document_ids: dict[str, Any] | None = None
    document_rendering: dict[str, Any] | None = None
    generate_paid_invoice_pdf: bool = False
    language: str | None = None
    mail: dict[str, Any] | None = None
    payables_ocr_auto_tagging: list[dict[str, Any]] | None = None
    payables_skip_approval_flow: bool = False
    payment_priority: str | None = "working_capital"
    quote_signature_required: bool = False
    receivable_edit_flow: str | None = "compliant"
    reminder: dict[str, Any] | None = None
    vat_inclusive_discount_mode: str = "exclusive"
    vat_mode: str | None = "exclusive"

    @field_serializer("document_ids")
    def _hide_next_number(self, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        return {k: v for k, v in value.items() if k != "next_number"}


class NextDocumentNumbers(ResponseSchema):
    credit_note: int = 1
    delivery_note: int = 1
    invoice: int = 1
    purchase_order: int = 1
    quote: int = 1
