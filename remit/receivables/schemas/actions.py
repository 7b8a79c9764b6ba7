"""Bodies of the receivable actions: accept, decline, payments, preview, send, reminders, reject."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from remit.core.enums import LanguageCodeEnum
from remit.core.schemas import EmailStr, RequestDatetime, RequestSchema
from remit.receivables.schemas.common import (
    PositiveMoney,
    ReceivablesPreviewTypeEnum,
    Recipients,
    ReminderTypeEnum,
    exclusive,
)

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_DATA_URL_PREFIX = "data:image/png;base64,"


def _base64_png(value: str) -> str:
    """Monite declares the signature a base64-encoded PNG; anything else is a malformed signature."""
    encoded = value.removeprefix(_DATA_URL_PREFIX)
    try:
        decoded = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("signature_image must be base64 encoded") from None
    if not decoded.startswith(_PNG_MAGIC):
        raise ValueError("signature_image must be a PNG image")
    return value


class Signature(RequestSchema):
    email: EmailStr
    full_name: Annotated[str, Field(min_length=1, max_length=255)]
    signature_image: Annotated[str, Field(min_length=32, max_length=524288), AfterValidator(_base64_png)]


class QuoteAcceptRequest(RequestSchema):
    signature: Signature | None = None


class ReceivableDeclinePayload(RequestSchema):
    comment: str | None = None


class ReceivablePaidPayload(RequestSchema):
    comment: str | None = None
    paid_at: RequestDatetime | None = None


class ReceivablePartiallyPaidPayload(RequestSchema):
    """``amount_paid`` is the cumulative amount paid so far, in minor units."""

    amount_paid: PositiveMoney
    comment: str | None = None


class ReceivableUncollectiblePayload(RequestSchema):
    comment: str | None = None


class ReceivablePreviewRequest(RequestSchema):
    body_text: Annotated[str, Field(min_length=1)]
    language: LanguageCodeEnum = LanguageCodeEnum.en
    subject_text: Annotated[str, Field(min_length=1)]
    type: ReceivablesPreviewTypeEnum = ReceivablesPreviewTypeEnum.receivable


class ReceivableSendRequest(RequestSchema):
    body_text: Annotated[str, Field(min_length=1)]
    recipients: Recipients | None = None
    subject_text: Annotated[str, Field(min_length=1)]


class ReceivableSendTestReminderPayload(RequestSchema):
    recipients: Recipients | None = None
    reminder_type: ReminderTypeEnum


class ReceivableRejectPayload(RequestSchema):
    """remit extension, ``POST /receivables/{id}/reject``: a catalogue reason by id or by name (not
    both; neither means the entity's default reason) and a comment kept on the invoice."""

    rejection_reason_id: uuid.UUID | None = None
    rejection_reason_name: Annotated[str, Field(min_length=1)] | None = None
    comment: Annotated[str, Field(max_length=2000)] | None = None

    @model_validator(mode="after")
    def _one_way_to_name_the_reason(self) -> ReceivableRejectPayload:
        exclusive("ReceivableRejectPayload", self, "rejection_reason_id", "rejection_reason_name")
        return self
