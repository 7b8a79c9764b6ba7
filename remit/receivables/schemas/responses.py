"""The receivable resource (``ReceivableResponse``: quote | invoice | credit note, told apart by
``type``) and its line items.

Every field is always sent: an unset optional field is ``null``, ``tags`` is ``[]``; required
fields (Monite's ``required``) are never ``null``. The one exception is remit's rejection
extension on invoices (``rejection_reason``, ``rejected_at``), sent on rejected invoices only so
that every other receivable keeps Monite's exact field set.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import MISSING, Field

from remit.core.enums import AllowedCountries, CurrencyEnum, LanguageCodeEnum, VatIDTypeEnum
from remit.core.schemas import PaginatedResponse, ResponseSchema
from remit.counterparts.schemas import CounterpartType
from remit.entities.schemas import DocumentRenderingSettingsResponse, VatModeEnum
from remit.products.schemas import Price as Price2
from remit.products.schemas import ProductServiceTypeEnum
from remit.receivables.schemas.common import (
    Amount,
    BasisPoints,
    CreditNoteStateEnum,
    Discount2,
    DiscountType,
    InlineTermDiscount,
    InlineTermFinal,
    NonNegativeAmount,
    QuoteStateEnum,
    RateNumber,
    ReceivableCounterpartContact2,
    ReceivableEntityAddressSchema,
    ReceivablesRepresentationOfCounterpartAddress2,
    ReceivablesStatusEnum,
    ResponseQuantity,
    StrictInt,
)
from remit.tags.schemas import TagReadSchema

# -- line items -------------------------------------------------------------------------------


class LineItemProductMeasureUnit2(ResponseSchema):
    id: uuid.UUID | None = None
    description: str | None = None
    name: str


class VatRateComponent2(ResponseSchema):
    name: str
    value: RateNumber


class LineItemProductVatRate2(ResponseSchema):
    """The line's VAT rate as used: a catalogue rate, an entity custom rate (``is_custom``), or a
    ``tax_rate_value`` given on the line (no ``id``)."""

    id: uuid.UUID | None = None
    components: Annotated[list[VatRateComponent2], Field(min_length=1)] | None = None
    country: AllowedCountries
    is_custom: bool = False
    name: str | None = None
    value: BasisPoints


class LineItemProduct(ResponseSchema):
    """The product as it was when the line was written (a snapshot; an inline product gets an id)."""

    id: uuid.UUID
    accounting_tax_rate_id: uuid.UUID | None = None
    description: str | None = None
    external_reference: str | None = None
    is_inline: bool = False
    ledger_account_id: uuid.UUID | None = None
    measure_unit: LineItemProductMeasureUnit2 | None = None
    name: str
    price: Price2
    price_after_vat: Price2
    smallest_amount: ResponseQuantity | None = None
    type: ProductServiceTypeEnum = ProductServiceTypeEnum.product
    vat_rate: LineItemProductVatRate2


class ResponseItem(ResponseSchema):
    discount: Discount2 | None = None
    product: LineItemProduct
    quantity: ResponseQuantity
    total_after_vat: Amount
    total_before_vat: Amount


class LineItemsResponse(ResponseSchema):
    data: list[ResponseItem]


# -- totals -----------------------------------------------------------------------------------


class TotalVatAmountItemComponent2(ResponseSchema):
    amount: NonNegativeAmount
    name: str
    value: RateNumber


class TotalVatAmountItem2(ResponseSchema):
    """One VAT rate group of the document: its taxable base and its VAT."""

    id: uuid.UUID | None = None
    amount: NonNegativeAmount
    components: Annotated[list[TotalVatAmountItemComponent2], Field(min_length=1)] | None = None
    name: str | None = None
    taxable_amount: Annotated[int, Field(ge=0, strict=True)]
    value: BasisPoints


class DiscountResponse2(ResponseSchema):
    """The document discount as given (``amount``, ``type``) and what it took off (``value``)."""

    amount: NonNegativeAmount
    type: DiscountType
    value: NonNegativeAmount | None = None


# -- snapshots of parties ---------------------------------------------------------------------


class AttachmentResponse2(ResponseSchema):
    id: uuid.UUID
    include_in_email: bool = False
    mimetype: str
    name: str
    size: StrictInt
    url: str


class ReceivableCounterpartVatIDResponse(ResponseSchema):
    id: uuid.UUID
    counterpart_id: uuid.UUID
    country: AllowedCountries | None = None
    type: VatIDTypeEnum = VatIDTypeEnum.unknown
    value: Annotated[str, Field(max_length=32)]


class ReceivableEntityVatIDResponse(ResponseSchema):
    id: uuid.UUID
    country: AllowedCountries
    entity_id: uuid.UUID
    type: VatIDTypeEnum = VatIDTypeEnum.unknown
    value: Annotated[str, Field(max_length=32)]


class ReceivablesRepresentationOfEntityBankAccount2(ResponseSchema):
    id: uuid.UUID | None = None
    account_holder_name: str | None = None
    account_number: str | None = None
    bank_name: str | None = None
    bic: str | None = None
    iban: str | None = None
    routing_number: str | None = None
    sort_code: str | None = None


class _EntitySnapshotFields(ResponseSchema):
    email: str | None = None
    logo: str | None = None
    phone: str | None = None
    registration_authority: str | None = None
    registration_number: str | None = None
    tax_id: str | None = None
    website: str | None = None


class ReceivableEntityOrganization(_EntitySnapshotFields):
    type: Literal["organization"] = "organization"
    name: str
    vat_id: str | None = None


class ReceivableEntityIndividual(_EntitySnapshotFields):
    type: Literal["individual"] = "individual"
    first_name: str
    last_name: str


ReceivableEntity = Annotated[ReceivableEntityOrganization | ReceivableEntityIndividual, Field(discriminator="type")]


class EinvoicingCredentials(ResponseSchema):
    id: uuid.UUID
    network_identifier: str
    network_schema: str


class PaymentTerms(ResponseSchema):
    """The document's terms (copied from the catalogue or given inline); tiers get ``end_date`` on issue."""

    id: uuid.UUID | None = None
    description: str | None = None
    name: str | None = None
    term_1: InlineTermDiscount | None = None
    term_2: InlineTermDiscount | None = None
    term_final: InlineTermFinal


class RelatedDocuments(ResponseSchema):
    credit_note_ids: list[uuid.UUID] = Field(default_factory=list)
    proforma_invoice_id: uuid.UUID | None = None


class ReceivableRejectionReasonSnapshot(ResponseSchema):
    """remit extension: the catalogue reason a rejected invoice was rejected with, as it was then."""

    id: uuid.UUID
    name: str
    alternative_code: str | None = None
    description: str | None = None


# -- the documents ----------------------------------------------------------------------------


class _ReceivableFields(ResponseSchema):
    """The fields of all three document types."""

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    attachments: list[AttachmentResponse2] | None = None
    based_on: uuid.UUID | None = None
    based_on_document_id: str | None = None
    commercial_condition_description: str | None = None
    counterpart_billing_address: ReceivablesRepresentationOfCounterpartAddress2 | None = None
    counterpart_business_type: Annotated[str, Field(max_length=50)] | None = None
    counterpart_contact: ReceivableCounterpartContact2 | None = None
    counterpart_external_reference: str | None = None
    counterpart_id: uuid.UUID
    counterpart_name: str | None = None
    counterpart_shipping_address: ReceivablesRepresentationOfCounterpartAddress2 | None = None
    counterpart_tax_id: str | None = None
    counterpart_type: CounterpartType
    counterpart_vat_id: ReceivableCounterpartVatIDResponse | None = None
    currency: CurrencyEnum
    deduction_amount: NonNegativeAmount | None = None
    deduction_memo: str | None = None
    discount: DiscountResponse2 | None = None
    discounted_subtotal: Amount | None = None
    document_id: str | None = None
    document_rendering: DocumentRenderingSettingsResponse | None = None
    due_date: date | None = None
    einvoice_file_url: str | None = None
    entity: ReceivableEntity
    entity_address: ReceivableEntityAddressSchema
    entity_bank_account: ReceivablesRepresentationOfEntityBankAccount2 | None = None
    entity_user_id: uuid.UUID | None = None
    entity_vat_id: ReceivableEntityVatIDResponse | None = None
    file_language: LanguageCodeEnum
    file_url: str | None = None
    footer: str | None = None
    issue_date: datetime | None = None
    line_items: list[ResponseItem]
    memo: str | None = None
    original_file_language: LanguageCodeEnum
    original_file_url: str | None = None
    partner_metadata: dict[str, Any] | None = None
    project_id: uuid.UUID | None = None
    subtotal: Amount | None = None
    subtotal_after_vat: Amount | None = None
    tags: list[TagReadSchema] = Field(default_factory=list)
    total_amount: Amount = 0
    total_vat_amount: Amount
    total_vat_amounts: list[TotalVatAmountItem2] | None = None
    total_withholding_tax: StrictInt | None = None
    trade_name: Annotated[str, Field(max_length=255)] | None = None
    vat_exempt: bool | None = None
    vat_exemption_rationale: str | None = None
    vat_inclusive_discount_mode: VatModeEnum = VatModeEnum.exclusive
    vat_mode: VatModeEnum = VatModeEnum.exclusive
    withholding_tax_rate: BasisPoints | None = None


class _EinvoiceFields(ResponseSchema):
    """What invoices and credit notes (which inherit ``is_einvoice`` from their invoice) share."""

    counterpart_einvoicing_credentials: EinvoicingCredentials | None = None
    einvoice_error_comment: str | None = None
    is_einvoice: bool = False
    network_credentials: EinvoicingCredentials | None = None
    purchase_order: Annotated[str, Field(max_length=100)] | None = None


class QuoteResponsePayload(_ReceivableFields):
    type: Literal["quote"] = "quote"
    status: QuoteStateEnum
    comment: str | None = None
    expiry_date: date | None = None
    quote_accept_page_url: Annotated[str, Field(max_length=65536)] | None = None
    signature_required: bool | None = None


REJECTION_FIELDS = ("rejection_reason", "rejected_at")


class InvoiceResponsePayload(_ReceivableFields, _EinvoiceFields):
    type: Literal["invoice"] = "invoice"
    status: ReceivablesStatusEnum
    amount_due: Amount
    amount_paid: Amount
    amount_to_pay: Amount | None = None
    comment: str | None = None
    fulfillment_date: date | None = None
    overdue_reminder_id: uuid.UUID | None = None
    paid_at: datetime | None = None
    payment_page_url: Annotated[str, Field(max_length=2083)] | None = None
    payment_reminder_id: uuid.UUID | None = None
    payment_terms: PaymentTerms | None = None
    recurrence_id: uuid.UUID | None = None
    related_documents: RelatedDocuments
    total_amount_with_credit_notes: Amount
    # remit extension, on rejected invoices only: why and when the draft was rejected. Absent
    # (MISSING) on every other document, so those keep Monite's exact field set; a rejected
    # invoice without a reason shows ``rejection_reason: null``.
    rejection_reason: ReceivableRejectionReasonSnapshot | None | MISSING = MISSING
    rejected_at: datetime | MISSING = MISSING


class CreditNoteResponsePayload(_ReceivableFields, _EinvoiceFields):
    type: Literal["credit_note"] = "credit_note"
    status: CreditNoteStateEnum


ReceivableResponse = Annotated[
    QuoteResponsePayload | InvoiceResponsePayload | CreditNoteResponsePayload, Field(discriminator="type")
]


class ReceivablePaginationResponse(PaginatedResponse):
    data: list[ReceivableResponse]

