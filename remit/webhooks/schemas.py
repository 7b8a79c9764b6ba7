"""Wire shapes of webhook subscriptions, deliveries and events (Monite OpenAPI 2024-05-25)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from remit.core.enums import WebhookObjectType, WebhookSubscriptionStatus
from remit.core.pagination import CreatedAtRange, ListQuery
from remit.core.schemas import Omittable, PaginatedResponse, RequestSchema, ResponseSchema
from remit.webhooks.models import URL_MAX

# Accepted for subscriptions besides Monite's enum: the name Monite's event table gives payable line
# items (stored as the enum's "payable.line_item"), and counterpart VAT ids, which have events but
# no enum value.
LINE_ITEM_ALIAS = "payable_line_item"
EXTRA_OBJECT_TYPES = ("counterpart_vat_id",)
SubscriptionObjectType = WebhookObjectType | Literal["payable_line_item", "counterpart_vat_id"]
# What responses say: the enum, or counterpart_vat_id (the SDK accepts strings beyond its enum).
ObjectTypeOut = WebhookObjectType | Literal["counterpart_vat_id"]


def _event_types(value: list[str]) -> list[str]:
    """Duplicates removed, first occurrence kept; an empty name is refused."""
    for name in value:
        if not name:
            raise ValueError("an event type cannot be empty")
    return list(dict.fromkeys(value))


EventTypes = Annotated[list[Annotated[str, Field(max_length=128)]], AfterValidator(_event_types)]
WebhookURL = Annotated[str, Field(min_length=1, max_length=URL_MAX, json_schema_extra={"format": "uri"})]


def normalise_object_type(value: SubscriptionObjectType) -> str:
    text = str(value.value if isinstance(value, WebhookObjectType) else value)
    return WebhookObjectType.payable_line_item.value if text == LINE_ITEM_ALIAS else text


class CreateWebhookSubscriptionRequest(RequestSchema):
    object_type: SubscriptionObjectType
    url: WebhookURL
    event_types: Omittable[EventTypes] = None  # left out: every event type of the object


class UpdateWebhookSubscriptionRequest(RequestSchema):
    object_type: SubscriptionObjectType | None = None
    url: WebhookURL | None = None
    event_types: EventTypes | None = None


class WebhookSubscriptionResource(ResponseSchema):
    id: uuid.UUID
    event_types: list[str]
    object_type: ObjectTypeOut
    status: WebhookSubscriptionStatus
    url: str


class WebhookSubscriptionResourceWithSecret(WebhookSubscriptionResource):
    secret: str


class WebhookSubscriptionPaginationResource(PaginatedResponse):
    data: list[WebhookSubscriptionResource]


class CursorFields(StrEnum):
    created_at = "created_at"
    updated_at = "updated_at"


class WebhookSubscriptionListQuery(ListQuery, CreatedAtRange):
    sort: CursorFields | None = None
    object_type: SubscriptionObjectType | None = None


class EventResource(ResponseSchema):
    id: uuid.UUID
    created_at: datetime | None = None
    action: str
    api_version: str | None
    description: str
    entity_id: uuid.UUID
    object: Any | None = None
    object_type: ObjectTypeOut


class EventResourceForWebhookClient(EventResource):
    webhook_subscription_id: uuid.UUID


class EventPaginationResource(PaginatedResponse):
    data: list[EventResource]


class EventListQuery(ListQuery, CreatedAtRange):
    sort: CursorFields | None = None
    object_type: SubscriptionObjectType | None = None


class WebhookDeliveryResource(ResponseSchema):
    id: uuid.UUID
    event_id: uuid.UUID
    requests_made_count: int
    response: str | None = None
    response_status_code: int | None = None
    url: str
    was_successful: bool | None = None


class WebhookDeliveryPaginationResource(PaginatedResponse):
    data: list[WebhookDeliveryResource]


class WebhookDeliveryListQuery(ListQuery, CreatedAtRange):
    sort: CursorFields | None = None
    event_id: uuid.UUID | None = None
    object_type: SubscriptionObjectType | None = None
    event_action: Annotated[str, Field(max_length=128)] | None = None
