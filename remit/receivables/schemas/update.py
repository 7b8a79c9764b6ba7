"""``PATCH /receivables/{id}`` (one wrapper per document type and state) and ``PUT …/line_items``."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    RootModel,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticKnownError

from remit.core.enums import CurrencyEnum
from remit.core.schemas import EmailStr, Omittable, RequestDatetime, RequestSchema, Url2083, Url65536
from remit.entities.schemas import DocumentRenderingSettings
from remit.receivables.schemas.common import (
    AttachmentRequest,
    BasisPoints,
    Discount2,
    InlinePaymentTermsRequestPayload,
    Loc,
    Money,
    PositiveMoney,
    PositiveQuantity,
    Quantity,
    ReceivableCounterpartContact2,
    ReceivableEntityAddressSchema,
    ReceivableEntityBase,
    SparseUpdate,
    Str255,
    exclusive,
    located,
    missing,
)
from remit.receivables.schemas.create import LineItem


class LineItemUpdate(RequestSchema):
    """Changes to one existing line of a draft invoice or quote (element *i* patches line *i*)."""

    custom_vat_rate_id: uuid.UUID | None = None
    discount: Discount2 | None = None
    price: Money | None = None
    quantity: Omittable[Quantity] = None
    tax_rate_name: Annotated[str, Field(max_length=64)] | None = None
    tax_rate_value: BasisPoints | None = None
    vat_rate_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one_rate_kind(self) -> LineItemUpdate:
        rates = [n for n in ("vat_rate_id", "custom_vat_rate_id", "tax_rate_value") if getattr(self, n) is not None]
        problems: list[tuple[Loc, str, Any]] = []
        if len(rates) > 1:
            problems.append(((rates[1],), f"give only one of {', '.join(rates)}", getattr(self, rates[1])))
        if self.tax_rate_name is not None and (self.vat_rate_id is not None or self.custom_vat_rate_id is not None):
            problems.append((("tax_rate_name",), "tax_rate_name goes with tax_rate_value", self.tax_rate_name))
        if problems:
            raise located("LineItemUpdate", problems)
        return self


class UpdateProductForCreditNote(RequestSchema):
    """A credit-note line: a return of ``quantity`` units, or with ``price_diff`` a price reduction
    per unit; ``old_price`` picks the invoice line when the product appears on several."""

    old_price: PositiveMoney | None = None
    price_diff: PositiveMoney | None = None
    quantity: PositiveQuantity


class UpdateLineItemForCreditNote(RootModel[dict[uuid.UUID, UpdateProductForCreditNote]]):
    """A credit note's lines keyed by the invoice line's product id; the map replaces them all."""


class _DraftFields(SparseUpdate):
    """What ``UpdateInvoice`` and ``UpdateQuote`` share."""

    attachments: Annotated[list[AttachmentRequest], Field(min_length=1)] | None = None
    contact_id: uuid.UUID | None = None
    counterpart_billing_address_id: Omittable[uuid.UUID] = None
    counterpart_id: Omittable[uuid.UUID] = None
    counterpart_shipping_address_id: uuid.UUID | None = None
    counterpart_vat_id_id: uuid.UUID | None = None
    currency: Omittable[CurrencyEnum] = None
    deduction_amount: Money | None = None
    deduction_memo: str | None = None
    discount: Discount2 | None = None
    document_rendering: DocumentRenderingSettings | None = None
    entity: Omittable[ReceivableEntityBase] = None
    entity_bank_account_id: uuid.UUID | None = None
    entity_vat_id_id: uuid.UUID | None = None
    footer: str | None = None
    line_items: Omittable[list[LineItemUpdate]] = None
    memo: str | None = None
    partner_metadata: dict[str, Any] | None = None
    payment_terms: InlinePaymentTermsRequestPayload | None = None
    payment_terms_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    tag_ids: Omittable[list[uuid.UUID]] = None
    trade_name: Str255 | None = None
    vat_exempt: bool | None = None
    vat_exemption_rationale: str | None = None
    withholding_tax_rate: BasisPoints | None = None

    @model_validator(mode="after")
    def _draft_rules(self) -> Any:
        title = type(self).__name__
        exclusive(title, self, "payment_terms", "payment_terms_id")
        # A new counterpart brings its own addresses: the billing address must come with it.
        if "counterpart_id" in self.model_fields_set and "counterpart_billing_address_id" not in self.model_fields_set:
            raise missing(title, ("counterpart_billing_address_id",), self.changes())
        return self


class UpdateInvoice(_DraftFields):
    counterpart_einvoicing_credentials_id: uuid.UUID | None = None
    fulfillment_date: date | None = None
    is_einvoice: Omittable[bool] = None
    network_credentials_id: uuid.UUID | None = None
    overdue_reminder_id: uuid.UUID | None = None
    payment_page_url: Url2083 | None = None
    payment_reminder_id: uuid.UUID | None = None


class UpdateQuote(_DraftFields):
    """Payment terms on a quote are kept for the invoice made from it; the quote never shows them."""

    expiry_date: date | None = None
    quote_accept_page_url: Url65536 | None = None
    signature_required: bool | None = None


class UpdateCreditNote(SparseUpdate):
    attachments: Annotated[list[AttachmentRequest], Field(min_length=1)] | None = None
    counterpart_billing_address_id: Omittable[uuid.UUID] = None
    counterpart_contact: ReceivableCounterpartContact2 | None = None
    counterpart_shipping_address_id: uuid.UUID | None = None
    document_rendering: DocumentRenderingSettings | None = None
    entity: Omittable[ReceivableEntityBase] = None
    footer: str | None = None
    line_items: Omittable[UpdateLineItemForCreditNote] = None
    memo: str | None = None
    partner_metadata: dict[str, Any] | None = None
    project_id: uuid.UUID | None = None
    tag_ids: Omittable[list[uuid.UUID]] = None


class _EntityRequestFields(RequestSchema):
    email: EmailStr | None = None
    logo: Url2083 | None = None
    phone: str | None = None
    registration_authority: str | None = None
    registration_number: str | None = None
    tax_id: str | None = None
    website: Url2083 | None = None


class ReceivableEntityOrganizationRequest(_EntityRequestFields):
    type: Literal["organization"]
    name: str


class ReceivableEntityIndividualRequest(_EntityRequestFields):
    type: Literal["individual"]
    first_name: str
    last_name: str


class UpdateIssuedInvoice(SparseUpdate):
    """Which of these fields may change depends on the entity's ``receivable_edit_flow``: a state
    question (409) for the service, not a schema one."""

    attachments: Annotated[list[AttachmentRequest], Field(min_length=1)] | None = None
    contact_id: uuid.UUID | None = None
    counterpart_id: Omittable[uuid.UUID] = None
    counterpart_vat_id_id: uuid.UUID | None = None
    document_rendering: DocumentRenderingSettings | None = None
    due_date: Omittable[date] = None
    entity: Omittable[Annotated[
        ReceivableEntityOrganizationRequest | ReceivableEntityIndividualRequest, Field(discriminator="type")
    ]] = None
    entity_address: Omittable[ReceivableEntityAddressSchema] = None
    entity_vat_id_id: uuid.UUID | None = None
    footer: str | None = None
    fulfillment_date: date | None = None
    issue_date: Omittable[RequestDatetime] = None
    memo: str | None = None
    overdue_reminder_id: uuid.UUID | None = None
    partner_metadata: dict[str, Any] | None = None
    payment_reminder_id: uuid.UUID | None = None
    payment_terms: InlinePaymentTermsRequestPayload | None = None
    payment_terms_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    # Monite declares a default of [] here; in a sparse PATCH an absent key must leave the tags alone.
    tag_ids: Omittable[list[uuid.UUID]] = None

    @model_validator(mode="after")
    def _one_kind_of_terms(self) -> UpdateIssuedInvoice:
        exclusive("UpdateIssuedInvoice", self, "payment_terms", "payment_terms_id")
        return self


class UpdateQuotePayload(RequestSchema):
    quote: UpdateQuote


class UpdateInvoicePayload(RequestSchema):
    invoice: UpdateInvoice


class UpdateCreditNotePayload(RequestSchema):
    credit_note: UpdateCreditNote


class UpdateIssuedInvoicePayload(RequestSchema):
    issued_invoice: UpdateIssuedInvoice


UPDATE_WRAPPERS: dict[str, type[RequestSchema]] = {
    "quote": UpdateQuotePayload,
    "invoice": UpdateInvoicePayload,
    "credit_note": UpdateCreditNotePayload,
    "issued_invoice": UpdateIssuedInvoicePayload,
}


def _one_wrapper(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Exactly one wrapper key, validated as its own shape. Whether the wrapper fits the document
    (type and status) is a state question the service answers with 409."""
    if isinstance(value, tuple(UPDATE_WRAPPERS.values())):
        return value
    if not isinstance(value, Mapping):
        raise PydanticKnownError("dict_type")
    given = [key for key in UPDATE_WRAPPERS if key in value]
    if len(given) != 1:
        message = f"give exactly one of {', '.join(UPDATE_WRAPPERS)}; got {', '.join(given) if given else 'none'}"
        raise located("ReceivableUpdatePayload", [((), message, dict(value))])
    return UPDATE_WRAPPERS[given[0]].model_validate(value)


# The body of ``PATCH /receivables/{id}``.
ReceivableUpdatePayload = Annotated[
    UpdateQuotePayload | UpdateInvoicePayload | UpdateCreditNotePayload | UpdateIssuedInvoicePayload,
    WrapValidator(_one_wrapper),
]


class UpdateLineItems(RequestSchema):
    """``PUT …/line_items``: the new lines of a draft invoice or quote (all of them)."""

    data: list[LineItem]
