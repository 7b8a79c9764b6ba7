"""Wire shapes of payables, line items and history (Monite OpenAPI 2024-05-25)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, model_validator

from remit.core.enums import AllowedCountries, CurrencyEnum
from remit.core.money import AmountFilter, MinorUnits
from remit.core.pagination import CreatedAtRange, ListQuery
from remit.core.schemas import EmailStr, PaginatedResponse, RequestDatetime, RequestSchema, ResponseSchema
from remit.payables.lifecycle import PayableStateEnum
from remit.payables.validation import PayablesFieldsAllowedForValidate
from remit.tags.schemas import TagReadSchema

BasisPoints = Annotated[int, Field(ge=0, le=10000, strict=True)]
Days = Annotated[int, Field(ge=0, le=10000, strict=True)]
Description = Annotated[str, Field(max_length=255)]


class PayableOriginEnum(StrEnum):
    upload = "upload"
    email = "email"
    einvoicing = "einvoicing"


class SourceOfPayableDataEnum(StrEnum):
    ocr = "ocr"
    user_specified = "user_specified"
    einvoicing = "einvoicing"


class OcrStatusEnum(StrEnum):
    processing = "processing"
    error = "error"
    success = "success"
    canceled = "canceled"


class PayablePaymentTermDiscount(RequestSchema):
    discount: Annotated[int, Field(gt=0, le=10000, strict=True)]
    number_of_days: Days


class PayablePaymentTermFinal(RequestSchema):
    number_of_days: Days


class PayablePaymentTermsCreatePayload(RequestSchema):
    name: Annotated[str, Field(min_length=1)]
    description: str | None = None
    term_1: PayablePaymentTermDiscount | None = None
    term_2: PayablePaymentTermDiscount | None = None
    term_final: PayablePaymentTermFinal

    @model_validator(mode="after")
    def _tiers_in_order(self) -> PayablePaymentTermsCreatePayload:
        if self.term_2 is not None and self.term_1 is None:
            raise ValueError("term_2 requires term_1")
        days = [t.number_of_days for t in (self.term_1, self.term_2, self.term_final) if t is not None]
        if any(a >= b for a, b in zip(days, days[1:], strict=False)):
            raise ValueError("number_of_days must grow strictly: term_1 < term_2 < term_final")
        return self


class SuggestedPaymentTerm(RequestSchema):
    date: date
    discount: BasisPoints | None = None


class CounterpartRawAddress(RequestSchema):
    city: str | None = None
    country: AllowedCountries | None = None
    line1: str | None = None
    line2: str | None = None
    postal_code: str | None = None
    state: str | None = None


class CounterpartRawBankAccount(RequestSchema):
    account_holder_name: str | None = None
    account_number: str | None = None
    bic: Annotated[str, Field(max_length=11)] | None = None
    iban: Annotated[str, Field(max_length=34)] | None = None
    routing_number: str | None = None
    sort_code: str | None = None


class CounterpartRawVatID(RequestSchema):
    country: AllowedCountries | None = None
    type: str | None = None
    value: Annotated[str, Field(max_length=32)] | None = None


class CounterpartRawDataUpdateRequest(RequestSchema):
    address: CounterpartRawAddress | None = None
    bank_account: CounterpartRawBankAccount | None = None
    email: EmailStr | None = None
    name: str | None = None
    phone: str | None = None
    tax_id: Annotated[str, Field(max_length=30)] | None = None
    vat_id: CounterpartRawVatID | None = None


class _PayableFields(RequestSchema):
    counterpart_address_id: uuid.UUID | None = None
    counterpart_bank_account_id: uuid.UUID | None = None
    counterpart_id: uuid.UUID | None = None
    counterpart_vat_id_id: uuid.UUID | None = None
    currency: CurrencyEnum | None = None
    description: Description | None = None
    discount: MinorUnits | None = None
    document_id: Annotated[str, Field(max_length=255)] | None = None
    due_date: date | None = None
    issued_at: date | None = None
    partner_metadata: dict[str, Any] | None = None
    payment_terms: PayablePaymentTermsCreatePayload | None = None
    project_id: uuid.UUID | None = None
    purchase_order_id: uuid.UUID | None = None
    sender: EmailStr | None = None
    subtotal: MinorUnits | None = None
    suggested_payment_term: SuggestedPaymentTerm | None = None
    tag_ids: list[uuid.UUID] | None = None
    tax: BasisPoints | None = None
    tax_amount: MinorUnits | None = None
    total_amount: MinorUnits | None = None


class PayableUploadWithDataSchema(_PayableFields):
    base64_encoded_file: str | None = None
    file_name: Annotated[str, Field(max_length=512)] = "default_file_name"


class PayableUpdateSchema(_PayableFields):
    amount_paid: MinorUnits | None = None
    counterpart_raw_data: CounterpartRawDataUpdateRequest | None = None


class PayableCreditNoteData(ResponseSchema):
    id: uuid.UUID
    status: str
    document_id: str | None = None
    issued_at: date | None = None
    total_amount: int | None = None


class CurrencyExchangeSchema(ResponseSchema):
    default_currency_code: str
    rate: float
    total: float


class FileSchema(ResponseSchema):
    id: uuid.UUID
    created_at: datetime
    file_type: str
    md5: str
    mimetype: str
    name: str
    region: str
    size: int
    url: str
    pages: list[dict[str, Any]] = Field(default_factory=list)
    previews: list[dict[str, Any]] = Field(default_factory=list)


class PayableResponseSchema(ResponseSchema):
    """Every property is always present; unset values are null (docs/payables.md, "The payable body")."""

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    entity_id: uuid.UUID
    status: PayableStateEnum
    payable_origin: PayableOriginEnum
    source_of_payable_data: SourceOfPayableDataEnum
    credit_notes: list[PayableCreditNoteData] = Field(default_factory=list)
    amount_due: int | None = None
    amount_paid: int | None = None
    amount_to_pay: int | None = None
    approval_policy_id: uuid.UUID | None = None
    counterpart: dict[str, Any] | None = None
    counterpart_address_id: uuid.UUID | None = None
    counterpart_bank_account_id: uuid.UUID | None = None
    counterpart_id: uuid.UUID | None = None
    counterpart_raw_data: dict[str, Any] | None = None
    counterpart_vat_id_id: uuid.UUID | None = None
    created_by_role_id: uuid.UUID | None = None
    currency: CurrencyEnum | None = None
    currency_exchange: CurrencyExchangeSchema | None = None
    description: str | None = None
    discount: int | None = None
    document_id: str | None = None
    due_date: date | None = None
    file: FileSchema | None = None
    file_id: uuid.UUID | None = None
    issued_at: date | None = None
    marked_as_paid_by_entity_user_id: uuid.UUID | None = None
    marked_as_paid_with_comment: str | None = None
    ocr_request_id: uuid.UUID | None = None
    ocr_status: OcrStatusEnum | None = None
    other_extracted_data: dict[str, Any] | None = None
    paid_at: datetime | None = None
    partner_metadata: dict[str, Any] | None = None
    payment_terms: dict[str, Any] | None = None
    project_id: uuid.UUID | None = None
    purchase_order_id: uuid.UUID | None = None
    sender: str | None = None
    subtotal: int | None = None
    suggested_payment_term: dict[str, Any] | None = None
    tags: list[TagReadSchema] = Field(default_factory=list)
    tax: int | None = None
    tax_amount: int | None = None
    total_amount: int | None = None
    total_amount_with_credit_notes: int | None = None
    was_created_by_user_id: uuid.UUID | None = None


class PayablePaginationResponse(PaginatedResponse):
    data: list[PayableResponseSchema]


class PayableCursorFields(StrEnum):
    id = "id"
    created_at = "created_at"
    issued_at = "issued_at"


class PayableListQuery(ListQuery, CreatedAtRange):
    sort: PayableCursorFields | None = None
    status: PayableStateEnum | None = None
    status__in: list[PayableStateEnum] | None = None
    id__in: list[uuid.UUID] | None = None
    total_amount: AmountFilter | None = None
    total_amount__gt: AmountFilter | None = None
    total_amount__lt: AmountFilter | None = None
    total_amount__gte: AmountFilter | None = None
    total_amount__lte: AmountFilter | None = None
    amount: AmountFilter | None = None
    amount__gt: AmountFilter | None = None
    amount__lt: AmountFilter | None = None
    amount__gte: AmountFilter | None = None
    amount__lte: AmountFilter | None = None
    currency: CurrencyEnum | None = None
    counterpart_name: str | None = None
    counterpart_name__contains: str | None = None
    counterpart_name__icontains: str | None = None
    search_text: str | None = None
    due_date: date | None = None
    due_date__gt: date | None = None
    due_date__lt: date | None = None
    due_date__gte: date | None = None
    due_date__lte: date | None = None
    issued_at: date | None = None
    issued_at__gt: date | None = None
    issued_at__lt: date | None = None
    issued_at__gte: date | None = None
    issued_at__lte: date | None = None
    document_id: str | None = None
    document_id__contains: str | None = None
    document_id__icontains: str | None = None
    was_created_by_user_id: uuid.UUID | None = None
    counterpart_id: uuid.UUID | None = None
    source_of_payable_data: SourceOfPayableDataEnum | None = None
    ocr_status: OcrStatusEnum | None = None
    line_item_id: uuid.UUID | None = None
    purchase_order_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    project_id__in: list[uuid.UUID] | None = None
    tag_ids: list[uuid.UUID] | None = None
    tag_ids__not_in: list[uuid.UUID] | None = None
    has_tags: bool | None = None
    origin: PayableOriginEnum | None = None
    has_file: bool | None = None


class PartiallyPaidPayload(RequestSchema):
    amount_paid: MinorUnits


class CommentPayload(RequestSchema):
    comment: Annotated[str, Field(max_length=2000)] | None = None


# -- line items -----------------------------------------------------------------------------

Quantity = Annotated[Decimal, Field(ge=0, le=Decimal("1e15"), max_digits=24, decimal_places=8)]
UnitPrice = Annotated[int, Field(ge=-9_007_199_254_740_991, le=9_007_199_254_740_991, strict=True)]


class LineItemRequest(RequestSchema):
    accounting_tax_rate_id: uuid.UUID | None = None
    description: str | None = None
    ledger_account_id: uuid.UUID | None = None
    name: str | None = None
    quantity: Quantity | None = None
    tax: BasisPoints | None = None
    unit: str | None = None
    unit_price: UnitPrice | None = None


class LineItemInternalRequest(LineItemRequest):
    subtotal: int | None = None
    total: int | None = None


class LineItemsReplaceRequest(ResponseSchema):
    """The outer object does not forbid extra keys; each item does (docs/payables.md, "Line items")."""

    data: list[LineItemInternalRequest]


class LineItemResponse(ResponseSchema):
    id: uuid.UUID
    payable_id: uuid.UUID
    accounting_tax_rate_id: uuid.UUID | None = None
    description: str | None = None
    ledger_account_id: uuid.UUID | None = None
    name: str | None = None
    ocr_set_quantity_to_one: bool = False
    quantity: float | None = None
    subtotal: int | None = None
    tax: int | None = None
    tax_amount: int | None = None
    total: int | None = None
    unit: str | None = None
    unit_price: int | None = None
    was_created_by_user_id: uuid.UUID | None = None


class LineItemPaginationResponse(PaginatedResponse):
    data: list[LineItemResponse]


class LineItemsReplaceResponse(ResponseSchema):
    data: list[LineItemResponse]


class LineItemCursorFields(StrEnum):
    created_at = "created_at"
    updated_at = "updated_at"


class LineItemListQuery(ListQuery):
    sort: LineItemCursorFields | None = None
    was_created_by_user_id: uuid.UUID | None = None


# -- history --------------------------------------------------------------------------------


class PayableHistoryEventTypeEnum(StrEnum):
    status_changed = "status_changed"
    payable_created = "payable_created"
    payable_updated = "payable_updated"
    credit_note_linked = "credit_note_linked"
    credit_note_unlinked = "credit_note_unlinked"
    file_attached = "file_attached"


class PayableHistoryResponse(ResponseSchema):
    id: uuid.UUID
    payable_id: uuid.UUID
    timestamp: datetime
    event_type: PayableHistoryEventTypeEnum
    event_data: dict[str, Any]
    entity_user_id: uuid.UUID | None = None


class PayableHistoryPaginationResponse(PaginatedResponse):
    data: list[PayableHistoryResponse]


class PayableHistoryCursorFields(StrEnum):
    timestamp = "timestamp"


class PayableHistoryListQuery(ListQuery):
    sort: PayableHistoryCursorFields | None = None
    event_type__in: list[PayableHistoryEventTypeEnum] | None = None
    entity_user_id__in: list[uuid.UUID] | None = None
    timestamp__gt: RequestDatetime | None = None
    timestamp__lt: RequestDatetime | None = None
    timestamp__gte: RequestDatetime | None = None
    timestamp__lte: RequestDatetime | None = None


# -- validations ----------------------------------------------------------------------------


class PayableValidationsResource(ResponseSchema):
    required_fields: list[PayablesFieldsAllowedForValidate]


class PayableValidationsUpdateRequest(RequestSchema):
    required_fields: list[PayablesFieldsAllowedForValidate]


class PayableValidationResponse(ResponseSchema):
    id: uuid.UUID
    validation_errors: list[dict[str, Any]] | None = None


# -- analytics, suggestions, variables -------------------------------------------------------


class PayableAggregatedItem(ResponseSchema):
    status: PayableStateEnum
    count: int
    sum_total_amount: int


class PayableAggregatedDataResponse(ResponseSchema):
    count: int
    sum_total_amount: int
    data: list[PayableAggregatedItem]


class SuggestedCounterpartPayload(ResponseSchema):
    id: uuid.UUID
    address_id: uuid.UUID | None = None
    bank_account_id: uuid.UUID | None = None
    vat_id_id: uuid.UUID | None = None


class SuggestedResponse(ResponseSchema):
    suggested_counterpart: SuggestedCounterpartPayload


class PayableTemplatesVariable(ResponseSchema):
    name: str
    description: str


class PayableTemplatesVariablesObject(ResponseSchema):
    object_type: str
    object_subtype: str
    variables: list[PayableTemplatesVariable]


class PayableTemplatesVariablesObjectList(ResponseSchema):
    data: list[PayableTemplatesVariablesObject]


class PayableDimensionEnum(StrEnum):
    created_at = "created_at"
    status = "status"
    counterpart_id = "counterpart_id"
    currency = "currency"
    issued_at = "issued_at"
    due_date = "due_date"
    project_id = "project_id"


class PayableMetricEnum(StrEnum):
    id = "id"
    total_amount = "total_amount"


class AggregationFunctionEnum(StrEnum):
    # Monite's member name; typeshed sees str.count, which an enum member may shadow.
    count = "count"  # type: ignore[assignment]
    average = "average"
    summary = "summary"
    min = "min"
    max = "max"


class DateDimensionBreakdownEnum(StrEnum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"
    quarterly = "quarterly"
    yearly = "yearly"


class PayableAnalyticsQuery(PayableListQuery):
    metric: PayableMetricEnum
    aggregation_function: AggregationFunctionEnum
    dimension: PayableDimensionEnum | None = None
    date_dimension_breakdown: DateDimensionBreakdownEnum | None = None
    limit: int = Field(100, ge=1, le=400, description="The number of data points to return (1 .. 400)")

    def filters(self) -> dict[str, Any]:
        return self.model_dump(
            exclude={"order", "limit", "pagination_token", "sort", "metric", "aggregation_function", "dimension",
                     "date_dimension_breakdown"},
            exclude_none=True,
        )


class AnalyticsDataPoint(ResponseSchema):
    dimension_value: str | None = None
    metric_value: float | int


class PayableAnalyticsResponse(ResponseSchema):
    data: list[AnalyticsDataPoint]
