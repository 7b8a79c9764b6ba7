"""Receivables: value types, enums and the objects that both requests and responses carry.

Names are Monite's component names (OpenAPI 2024-05-25). Where Monite's generator suffixed a
component with ``2`` (``Price2``, ``Discount2`` …), the class carries that name and the official
SDK's unsuffixed name is an alias of it (see ``__init__``).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from remit.core.enums import AllowedCountries
from remit.core.money import MAX_AMOUNT, MinorUnits
from remit.core.schemas import EmailStr, RequestSchema, Url2083

# -- errors at a field ------------------------------------------------------------------------

Loc = tuple[str | int, ...]


def located(title: str, problems: Iterable[tuple[Loc, str, Any]]) -> ValidationError:
    """A validation error at given fields of the object being validated (``loc`` relative to it).

    Raised from a model validator, pydantic prefixes the object's own location, so the client sees
    ``["body", "line_items", 2, "discount", "amount"]`` rather than a 422 at the whole body.
    """
    return ValidationError.from_exception_data(
        title,
        [
            InitErrorDetails(
                type=PydanticCustomError("value_error", "Value error, {error}", {"error": message}),
                loc=loc,
                input=value,
            )
            for loc, message, value in problems
        ],
    )


def missing(title: str, loc: Loc, value: Any) -> ValidationError:
    """The ``missing`` error pydantic gives for an absent required field, for conditionally required ones."""
    return ValidationError.from_exception_data(title, [InitErrorDetails(type="missing", loc=loc, input=value)])


# -- value types ------------------------------------------------------------------------------

# Money on the wire is an integer of minor units; floats and strings are refused (strict).
Money = MinorUnits
PositiveMoney = Annotated[int, Field(ge=1, le=MAX_AMOUNT, strict=True)]
Amount = Annotated[int, Field(le=MAX_AMOUNT, strict=True)]  # a response amount Monite bounds above only
NonNegativeAmount = Annotated[int, Field(ge=0, le=MAX_AMOUNT, strict=True)]
StrictInt = Annotated[int, Field(strict=True)]
BasisPoints = Annotated[int, Field(ge=0, le=10000, strict=True)]
Days = Annotated[int, Field(ge=0, le=10000, strict=True)]
MAX_QUANTITY = 2147483647


def _number_input(value: Any) -> Any:
    """A JSON number, as a Decimal: ints and Decimals as they are, floats by their shortest repr.

    A body decoded with ``parse_float=Decimal`` (``parsing.decode_json_body``) arrives with every
    digit the client wrote; one decoded by FastAPI arrives as float, whose shortest repr is the
    JSON text for any quantity of up to 15 significant digits. Strings and booleans are refused:
    the document declares a number.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise PydanticCustomError("decimal_type", "Input should be a valid number")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PydanticCustomError("finite_number", "Input should be a finite number")
        return Decimal(repr(value))
    return value


def _json_number(value: Decimal) -> int | float:
    """A Decimal as a JSON number (pydantic would write a string): integral values as integers."""
    return int(value) if value == value.to_integral_value() else float(value)


_AS_NUMBER = PlainSerializer(_json_number, return_type=int | float, when_used="json")

# A quantity in a request: a number 0 … 2147483647, kept as Decimal, never a float.
Quantity = Annotated[
    Decimal,
    Field(ge=0, le=MAX_QUANTITY),
    BeforeValidator(_number_input),
    _AS_NUMBER,
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": MAX_QUANTITY}),
]
PositiveQuantity = Annotated[
    Decimal,
    Field(ge=1, le=MAX_QUANTITY),
    BeforeValidator(_number_input),
    _AS_NUMBER,
    WithJsonSchema({"type": "number", "minimum": 1, "maximum": MAX_QUANTITY}),
]
# A number in a response (quantities, smallest amounts): Decimal inside, a JSON number outside.
ResponseQuantity = Annotated[
    Decimal, Field(ge=0, le=MAX_QUANTITY), _AS_NUMBER, WithJsonSchema({"type": "number", "minimum": 0})
]
# A rate in basis points that may be fractional (custom VAT rate components such as 1212.5).
RateNumber = Annotated[
    Decimal, Field(ge=0, le=10000), _AS_NUMBER, WithJsonSchema({"type": "number", "minimum": 0, "maximum": 10000})
]

Str50 = Annotated[str, Field(max_length=50)]
Str100 = Annotated[str, Field(max_length=100)]
Str255 = Annotated[str, Field(max_length=255)]


class WireSchema(RequestSchema):
    """An object Monite uses in requests and responses alike: closed to unknown keys (a request
    must not carry them) and buildable from attributes (a response is built from stored rows)."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)


# -- enums ------------------------------------------------------------------------------------


class ReceivablesStatusEnum(StrEnum):
    """Monite's values plus remit's ``rejected`` (a draft invoice refused by its recipient; a remit
    extension that only invoices which were actually rejected carry)."""

    draft = "draft"
    issuing = "issuing"
    issued = "issued"
    failed = "failed"
    accepted = "accepted"
    expired = "expired"
    declined = "declined"
    recurring = "recurring"
    partially_paid = "partially_paid"
    paid = "paid"
    overdue = "overdue"
    uncollectible = "uncollectible"
    canceled = "canceled"
    deleted = "deleted"
    rejected = "rejected"


class ReceivablesStatusFilterEnum(StrEnum):
    """The statuses a list may filter on: Monite's inline enum of ``status``/``status__in`` (deleted
    documents are never listed) plus remit's ``rejected``."""

    draft = "draft"
    issuing = "issuing"
    issued = "issued"
    failed = "failed"
    accepted = "accepted"
    expired = "expired"
    declined = "declined"
    recurring = "recurring"
    partially_paid = "partially_paid"
    paid = "paid"
    overdue = "overdue"
    uncollectible = "uncollectible"
    canceled = "canceled"
    rejected = "rejected"


class QuoteStateEnum(StrEnum):
    draft = "draft"
    issued = "issued"
    accepted = "accepted"
    expired = "expired"
    declined = "declined"
    deleted = "deleted"


class CreditNoteStateEnum(StrEnum):
    draft = "draft"
    issuing = "issuing"
    issued = "issued"
    failed = "failed"
    deleted = "deleted"


class ReceivableType(StrEnum):
    quote = "quote"
    invoice = "invoice"
    credit_note = "credit_note"


class BasedOnTransitionType(StrEnum):
    invoice = "invoice"
    credit_note = "credit_note"


class DiscountType(StrEnum):
    amount = "amount"
    percentage = "percentage"


class ReceivableHistoryEventTypeEnum(StrEnum):
    status_changed = "status_changed"
    receivable_created = "receivable_created"
    receivable_updated = "receivable_updated"
    based_on_receivable_created = "based_on_receivable_created"
    payment_received = "payment_received"
    mail_sent = "mail_sent"
    payment_reminder_mail_sent = "payment_reminder_mail_sent"
    overdue_reminder_mail_sent = "overdue_reminder_mail_sent"


class ReceivableMailStatusEnum(StrEnum):
    pending = "pending"
    processing = "processing"
    sent = "sent"
    partially_sent = "partially_sent"
    failed = "failed"


class ReminderTypeEnum(StrEnum):
    term_1 = "term_1"
    term_2 = "term_2"
    term_final = "term_final"
    overdue = "overdue"


class ReceivablesPreviewTypeEnum(StrEnum):
    receivable = "receivable"
    discount_reminder = "discount_reminder"
    final_reminder = "final_reminder"


class VariablesType(StrEnum):
    quote = "quote"
    invoice = "invoice"
    credit_note = "credit_note"
    discount_reminder = "discount_reminder"
    final_reminder = "final_reminder"
    overdue_reminder = "overdue_reminder"


class ReceivableCursorFields(StrEnum):
    """``sort`` of ``GET /receivables``."""

    counterpart_name = "counterpart_name"
    counterpart_id = "counterpart_id"
    amount = "amount"
    total_amount = "total_amount"
    discounted_subtotal = "discounted_subtotal"
    status = "status"
    due_date = "due_date"
    issue_date = "issue_date"
    document_id = "document_id"
    created_at = "created_at"
    project_id = "project_id"


class ReceivableCursorFields2(StrEnum):
    """``sort`` of ``POST /receivables/search``: the same without ``discounted_subtotal``."""

    counterpart_name = "counterpart_name"
    counterpart_id = "counterpart_id"
    amount = "amount"
    total_amount = "total_amount"
    status = "status"
    due_date = "due_date"
    issue_date = "issue_date"
    document_id = "document_id"
    created_at = "created_at"
    project_id = "project_id"


class ReceivableHistoryCursorFields(StrEnum):
    timestamp = "timestamp"


class ReceivableMailCursorFields(StrEnum):
    status = "status"
    created_at = "created_at"
    updated_at = "updated_at"


# -- objects of both directions ---------------------------------------------------------------


class Discount2(WireSchema):
    """A discount as given: an amount in minor units, or a percentage in basis points."""

    amount: Money
    type: DiscountType

    @model_validator(mode="after")
    def _percentage_at_most_100(self) -> Discount2:
        if self.type == DiscountType.percentage and self.amount > 10000:
            raise located("Discount2", [(("amount",), "a percentage discount is at most 10000 (100 %)", self.amount)])
        return self


class InlineTermDiscount(WireSchema):
    discount: BasisPoints
    end_date: date | None = None
    number_of_days: Days | None = None


class InlineTermFinal(WireSchema):
    end_date: date | None = None
    number_of_days: Days | None = None


class InlinePaymentTermsRequestPayload(RequestSchema):
    """Payment terms given inline. remit derives every date from ``number_of_days`` (end dates are
    computed at issue), so each tier present must carry it, and the tiers must fall due in order."""

    term_1: InlineTermDiscount | None = None
    term_2: InlineTermDiscount | None = None
    term_final: InlineTermFinal

    @model_validator(mode="after")
    def _tiers_in_order(self) -> InlinePaymentTermsRequestPayload:
        problems: list[tuple[Loc, str, Any]] = []
        tiers = [("term_1", self.term_1), ("term_2", self.term_2), ("term_final", self.term_final)]
        if self.term_2 is not None and self.term_1 is None:
            problems.append((("term_2",), "term_2 requires term_1", self.term_2.model_dump(mode="json")))
        previous: tuple[str, int] | None = None
        for name, tier in tiers:
            if tier is None:
                continue
            if tier.number_of_days is None:
                problems.append(((name,), "number_of_days is required", tier.model_dump(mode="json")))
                continue
            if previous is not None and tier.number_of_days <= previous[1]:
                problems.append(
                    ((name,), f"{name}.number_of_days must be greater than {previous[0]}.number_of_days",
                     tier.model_dump(mode="json"))
                )
            previous = (name, tier.number_of_days)
        if problems:
            raise located("InlinePaymentTermsRequestPayload", problems)
        return self


class AttachmentRequest(RequestSchema):
    id: uuid.UUID
    include_in_email: bool = False


class ReceivableEntityBase(RequestSchema):
    """Overrides of the entity's details printed on one document."""

    email: EmailStr | None = None
    logo: Url2083 | None = None
    phone: str | None = None
    registration_authority: str | None = None
    registration_number: str | None = None
    website: Url2083 | None = None


class ReceivableEntityAddressSchema(WireSchema):
    city: Str255
    country: AllowedCountries = AllowedCountries.DE
    line1: Str255
    line2: Str100 | None = None
    postal_code: Annotated[str, Field(max_length=10)]
    state: str | None = None


class ReceivablesRepresentationOfCounterpartAddress2(WireSchema):
    id: uuid.UUID | None = None
    city: str
    country: AllowedCountries
    line1: str
    line2: str | None = None
    postal_code: str
    state: str | None = None


class ReceivableCounterpartContact2(WireSchema):
    address: ReceivablesRepresentationOfCounterpartAddress2
    email: EmailStr | None = None
    first_name: str
    last_name: str
    phone: str | None = None
    title: str | None = None


class Recipients(RequestSchema):
    bcc: list[EmailStr] | None = None
    cc: list[EmailStr] | None = None
    to: list[EmailStr] | None = None


class SparseUpdate(RequestSchema):
    """A sparse PATCH body: an absent key leaves the field alone and ``null`` clears it. A field a
    document cannot be without is ``Omittable``: it may be left out, and a null for it is a 422."""

    def changes(self) -> dict[str, Any]:
        """The fields the client sent (values as parsed, nested models kept), for a sparse update."""
        return {name: getattr(self, name) for name in self.model_fields_set}


def exclusive(title: str, model: Any, first: str, second: str) -> None:
    """Refuse two mutually exclusive fields given together (the error points at the second)."""
    if getattr(model, first) is not None and getattr(model, second) is not None:
        raise located(title, [((second,), f"give either {first} or {second}, not both", getattr(model, second))])

