"""What the receivable sub-resources and actions return: history records, mails, PDF links,
previews, send results, verification, required fields, template variables."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, model_validator

from remit.core.schemas import PaginatedResponse, ResponseSchema
from remit.receivables.schemas.common import (
    ReceivableHistoryEventTypeEnum,
    ReceivableMailStatusEnum,
    ReceivablesStatusEnum,
    ReceivableType,
    ReminderTypeEnum,
    StrictInt,
    VariablesType,
    WireSchema,
)

# -- history ----------------------------------------------------------------------------------


class _EventData(WireSchema):
    """Event data are closed objects: it is what tells the shapes of the union apart."""


class StatusChangedEventData(_EventData):
    new_status: ReceivablesStatusEnum
    old_status: ReceivablesStatusEnum


class ReceivableUpdatedEventData(_EventData):
    pass


class ReceivableCreatedEventData(_EventData):
    pass


class BasedOnReceivableCreatedEventData(_EventData):
    receivable_id: uuid.UUID
    type: ReceivableType


class PaymentReceivedEventData(_EventData):
    """``amount_paid`` is this payment; ``amount_due`` what remains after it."""

    amount_due: StrictInt
    amount_paid: StrictInt
    comment: str | None = None


class ReceivableMailRecipientState(WireSchema):
    email: str
    error: str | None = None
    is_success: bool


class ReceivableMailRecipients(WireSchema):
    bcc: list[ReceivableMailRecipientState] | None = None
    cc: list[ReceivableMailRecipientState] | None = None
    to: list[ReceivableMailRecipientState] | None = None


class MailSentEventData(_EventData):
    mail_id: uuid.UUID
    mail_status: ReceivableMailStatusEnum
    recipients: ReceivableMailRecipients


class ReminderMailSentEventData(_EventData):
    mail_id: uuid.UUID
    mail_status: ReceivableMailStatusEnum
    recipients: ReceivableMailRecipients
    term: ReminderTypeEnum


EventData = (
    StatusChangedEventData
    | ReceivableUpdatedEventData
    | ReceivableCreatedEventData
    | BasedOnReceivableCreatedEventData
    | PaymentReceivedEventData
    | MailSentEventData
    | ReminderMailSentEventData
)

EVENT_DATA: dict[str, type[_EventData]] = {
    ReceivableHistoryEventTypeEnum.status_changed: StatusChangedEventData,
    ReceivableHistoryEventTypeEnum.receivable_created: ReceivableCreatedEventData,
    ReceivableHistoryEventTypeEnum.receivable_updated: ReceivableUpdatedEventData,
    ReceivableHistoryEventTypeEnum.based_on_receivable_created: BasedOnReceivableCreatedEventData,
    ReceivableHistoryEventTypeEnum.payment_received: PaymentReceivedEventData,
    ReceivableHistoryEventTypeEnum.mail_sent: MailSentEventData,
    ReceivableHistoryEventTypeEnum.payment_reminder_mail_sent: ReminderMailSentEventData,
    ReceivableHistoryEventTypeEnum.overdue_reminder_mail_sent: ReminderMailSentEventData,
}


class ReceivableHistoryResponse(ResponseSchema):
    id: uuid.UUID
    current_pdf_url: Annotated[str, Field(min_length=1, max_length=65536)] | None = None
    entity_user_id: uuid.UUID | None = None
    event_data: EventData
    event_type: ReceivableHistoryEventTypeEnum
    receivable_id: uuid.UUID
    timestamp: datetime

    @model_validator(mode="before")
    @classmethod
    def _data_of_its_event(cls, value: Any) -> Any:
        """Stored event data (a mapping) is read as the shape of its ``event_type``; two shapes of
        the union are the empty object, which the union alone could not tell apart."""
        if isinstance(value, Mapping):
            data, kind = value.get("event_data"), value.get("event_type")
        else:
            data, kind = getattr(value, "event_data", None), getattr(value, "event_type", None)
        shape = EVENT_DATA.get(kind) if isinstance(kind, str) else None
        if shape is None or not isinstance(data, Mapping):
            return value
        fields = dict(value) if isinstance(value, Mapping) else {name: getattr(value, name, None) for name in cls.model_fields}
        fields["event_data"] = shape.model_validate(data)
        return fields


class ReceivableHistoryPaginationResponse(PaginatedResponse):
    data: list[ReceivableHistoryResponse]


# -- mails ------------------------------------------------------------------------------------


class ReceivableMailResponse(ResponseSchema):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    recipients: ReceivableMailRecipients | None = None
    status: ReceivableMailStatusEnum


class ReceivableMailPaginationResponse(PaginatedResponse):
    data: list[ReceivableMailResponse]


# -- documents and sending --------------------------------------------------------------------


class ReceivableFileUrl(ResponseSchema):
    file_url: str | None = None
    original_file_url: str | None = None


class ReceivablePreviewResponse(ResponseSchema):
    body_preview: str
    subject_preview: str


class ReceivableSendResponse(ResponseSchema):
    mail_id: uuid.UUID


class ReceivablesSendResponse(ResponseSchema):
    mail_ids: list[uuid.UUID]


class SuccessResult(ResponseSchema):
    success: bool = True


# -- verification and requirements ------------------------------------------------------------


class MissingLineItemFields(ResponseSchema):
    line_item_number: StrictInt  # 1-based
    missing_fields: list[str]


class MissingFields(ResponseSchema):
    """What a document lacks to be issued, by area; empty lists when nothing is missing."""

    counterpart: list[str] = Field(default_factory=list)
    entity: list[str] = Field(default_factory=list)
    products: list[MissingLineItemFields] = Field(default_factory=list)
    receivable: list[str] = Field(default_factory=list)
    vat_rates: list[str] = Field(default_factory=list)


class ReceivablesRemindersWarningMessage(ResponseSchema):
    payment_reminders: str | None = None


class ReceivablesVerifyResponse(ResponseSchema):
    errors: MissingFields = Field(default_factory=MissingFields)
    warnings: ReceivablesRemindersWarningMessage = Field(default_factory=ReceivablesRemindersWarningMessage)


class FieldSchema(ResponseSchema):
    description: str
    required: bool


class CounterpartFields(ResponseSchema):
    tax_id: FieldSchema
    vat_id: FieldSchema


class EntityFields(ResponseSchema):
    tax_id: FieldSchema
    vat_id: FieldSchema


class LineItemFields(ResponseSchema):
    measure_unit: FieldSchema
    tax_rate_value: FieldSchema
    vat_rate_id: FieldSchema


class ReceivableRequiredFields(ResponseSchema):
    counterpart: CounterpartFields
    entity: EntityFields
    line_item: LineItemFields


# -- template variables -----------------------------------------------------------------------


class ReceivableTemplatesVariable(ResponseSchema):
    description: str
    name: str


class ReceivableTemplatesVariablesObject(ResponseSchema):
    object_subtype: VariablesType
    object_type: str
    variables: list[ReceivableTemplatesVariable]


class ReceivableTemplatesVariablesObjectList(ResponseSchema):
    data: list[ReceivableTemplatesVariablesObject]
