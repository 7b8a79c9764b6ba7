"""``POST /receivables``: the invoice, quote and based-on payloads, their line items, and the dispatch
that picks one of the three shapes for a body."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, ValidatorFunctionWrapHandler, WrapValidator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, PydanticKnownError

from remit.core.enums import CurrencyEnum
from remit.core.money import round_half_up
from remit.core.schemas import Omittable, RequestSchema, Url2083, Url65536
from remit.entities.schemas import DocumentRenderingSettings, VatModeEnum
from remit.measure_units.schemas import UnitRequest
from remit.products.schemas import Price as Price2
from remit.products.schemas import ProductServiceTypeEnum
from remit.receivables.schemas.common import (
    AttachmentRequest,
    BasedOnTransitionType,
    BasisPoints,
    Discount2,
    DiscountType,
    InlinePaymentTermsRequestPayload,
    Loc,
    Money,
    Quantity,
    ReceivableEntityBase,
    Str50,
    Str100,
    Str255,
    exclusive,
    located,
)


class LineItemProductCreate(RequestSchema):
    """A product given inline on a line instead of a catalogue ``product_id``."""

    description: Annotated[str, Field(max_length=2000)] | None = None
    external_reference: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    ledger_account_id: uuid.UUID | None = None
    measure_unit: UnitRequest | None = None
    name: Annotated[str, Field(min_length=1, max_length=100)]
    price: Price2
    smallest_amount: Quantity | None = None
    type: ProductServiceTypeEnum = ProductServiceTypeEnum.product


class LineItem(RequestSchema):
    """A line of a create payload or of ``PUT …/line_items``.

    Checked here, as they need nothing but the line: exactly one of ``product_id``/``product``; at
    most one tax rate kind (``vat_rate_id``, ``custom_vat_rate_id``, ``tax_rate_value``; whether one
    is needed depends on the document's ``vat_exempt``); ``tax_rate_name`` only with
    ``tax_rate_value``; and, for an inline product, ``smallest_amount`` and an amount discount not
    above the line's price.
    """

    accounting_tax_rate_id: uuid.UUID | None = None
    custom_vat_rate_id: uuid.UUID | None = None
    discount: Discount2 | None = None
    product: Omittable[LineItemProductCreate] = None
    product_id: uuid.UUID | None = None
    quantity: Quantity
    tax_rate_name: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    tax_rate_value: BasisPoints | None = None
    vat_rate_id: uuid.UUID | None = None

    @property
    def tax_rate_fields(self) -> list[str]:
        """The tax rate kinds this line names (one, or none on a VAT-exempt document)."""
        return [name for name in ("vat_rate_id", "custom_vat_rate_id", "tax_rate_value") if getattr(self, name) is not None]

    @model_validator(mode="after")
    def _line_rules(self) -> LineItem:
        problems: list[tuple[Loc, str, Any]] = []
        if (self.product_id is None) == (self.product is None):
            problems.append((("product_id",), "give exactly one of product_id and product", self.product_id))
        rates = self.tax_rate_fields
        if len(rates) > 1:
            problems.append(((rates[1],), f"give only one of {', '.join(rates)}", getattr(self, rates[1])))
        if self.tax_rate_name is not None and self.tax_rate_value is None:
            problems.append((("tax_rate_name",), "tax_rate_name goes with tax_rate_value", self.tax_rate_name))
        product = self.product
        if product is not None:
            if product.smallest_amount is not None and self.quantity < product.smallest_amount:
                problems.append(
                    (("quantity",), f"quantity is below the product's smallest_amount {product.smallest_amount}",
                     str(self.quantity))
                )
            discount = self.discount
            if discount is not None and discount.type == DiscountType.amount:
                gross = int(round_half_up(product.price.value * self.quantity))
                if discount.amount > gross:
                    problems.append(
                        (("discount", "amount"), f"the discount is larger than the line's price ({gross})",
                         discount.amount)
                    )
        if problems:
            raise located("LineItem", problems)
        return self


class _CreateFields(RequestSchema):
    """What the invoice and the quote payloads share."""

    attachments: Annotated[list[AttachmentRequest], Field(min_length=1)] | None = None
    commercial_condition_description: str | None = None
    counterpart_billing_address_id: uuid.UUID
    counterpart_business_type: Str50 | None = None
    counterpart_id: uuid.UUID
    counterpart_shipping_address_id: uuid.UUID | None = None
    counterpart_vat_id_id: uuid.UUID | None = None
    currency: CurrencyEnum
    deduction_amount: Money | None = None
    deduction_memo: str | None = None
    discount: Discount2 | None = None
    document_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    document_rendering: DocumentRenderingSettings | None = None
    entity: Omittable[ReceivableEntityBase] = None
    entity_bank_account_id: uuid.UUID | None = None
    entity_vat_id_id: uuid.UUID | None = None
    footer: str | None = None
    line_items: list[LineItem]
    memo: str | None = None
    partner_metadata: dict[str, Any] | None = None
    project_id: uuid.UUID | None = None
    tag_ids: list[uuid.UUID] = Field(default_factory=list)
    trade_name: Str255 | None = None
    vat_exempt: bool | None = None
    vat_exemption_rationale: str | None = None
    vat_mode: Omittable[VatModeEnum] = None
    withholding_tax_rate: BasisPoints | None = None

    @model_validator(mode="after")
    def _lines_fit_the_document(self) -> Any:
        """Rules between a line and the document that the body alone decides: a tax rate on every
        line unless the document is VAT-exempt, and inline prices in the document's currency."""
        problems: list[tuple[Loc, str, Any]] = []
        for index, line in enumerate(self.line_items):
            if not self.vat_exempt and not line.tax_rate_fields:
                problems.append(
                    (("line_items", index), "give one of vat_rate_id, custom_vat_rate_id, tax_rate_value "
                     "(or set vat_exempt on the document)", line.model_dump(mode="json", exclude_none=True))
                )
            if line.product is not None and line.product.price.currency != self.currency:
                problems.append(
                    (("line_items", index, "product", "price", "currency"),
                     f"the price must be in the document's currency {self.currency.value}",
                     line.product.price.currency.value)
                )
        if problems:
            raise located(type(self).__name__, problems)
        return self


class ReceivableFacadeCreateInvoicePayload(_CreateFields):
    type: Literal["invoice"]
    counterpart_einvoicing_credentials_id: uuid.UUID | None = None
    fulfillment_date: date | None = None
    is_einvoice: bool = False
    network_credentials_id: uuid.UUID | None = None
    overdue_reminder_id: uuid.UUID | None = None
    payment_page_url: Url2083 | None = None
    payment_reminder_id: uuid.UUID | None = None
    payment_terms: InlinePaymentTermsRequestPayload | None = None
    payment_terms_id: uuid.UUID | None = None
    purchase_order: Str100 | None = None

    @model_validator(mode="after")
    def _one_kind_of_terms(self) -> ReceivableFacadeCreateInvoicePayload:
        exclusive("ReceivableFacadeCreateInvoicePayload", self, "payment_terms", "payment_terms_id")
        return self


class ReceivableFacadeCreateQuotePayload(_CreateFields):
    type: Literal["quote"]
    expiry_date: date | None = None
    quote_accept_page_url: Url65536 | None = None
    signature_required: bool | None = None


class ReceivableCreateBasedOnPayload(RequestSchema):
    """An invoice from a quote, or a credit note for an invoice."""

    based_on: uuid.UUID
    tag_ids: list[uuid.UUID] = Field(default_factory=list)
    type: BasedOnTransitionType


_SHAPES = (ReceivableFacadeCreateQuotePayload, ReceivableFacadeCreateInvoicePayload, ReceivableCreateBasedOnPayload)


def _create_shape(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """The dispatch: a ``based_on`` key makes a based-on payload; otherwise ``type`` chooses the
    invoice or the quote payload. The chosen shape is then validated on its own, so an error names
    the field (``["body", "expiry_date"]``) rather than every shape that did not fit."""
    if isinstance(value, _SHAPES):
        return value
    if not isinstance(value, Mapping):
        raise PydanticKnownError("dict_type")
    if "based_on" in value:
        return ReceivableCreateBasedOnPayload.model_validate(value)
    if "type" not in value:
        raise ValidationError.from_exception_data(
            "ReceivableFacadeCreatePayload", [InitErrorDetails(type="missing", loc=("type",), input=dict(value))]
        )
    kind = value["type"]
    if kind == "invoice":
        return ReceivableFacadeCreateInvoicePayload.model_validate(value)
    if kind == "quote":
        return ReceivableFacadeCreateQuotePayload.model_validate(value)
    raise ValidationError.from_exception_data(
        "ReceivableFacadeCreatePayload",
        [
            InitErrorDetails(
                type=PydanticCustomError(
                    "literal_error",
                    "Input should be 'invoice' or 'quote' (a credit_note, or an invoice from a quote, is created "
                    "with based_on)",
                    {"expected": "'invoice' or 'quote'"},
                ),
                loc=("type",),
                input=kind,
            )
        ],
    )


# The body of ``POST /receivables``; as a FastAPI body parameter it validates with the dispatch above
# and documents Monite's ``anyOf`` of the three shapes.
ReceivableFacadeCreatePayload = Annotated[
    ReceivableFacadeCreateQuotePayload | ReceivableFacadeCreateInvoicePayload | ReceivableCreateBasedOnPayload,
    WrapValidator(_create_shape),
]
