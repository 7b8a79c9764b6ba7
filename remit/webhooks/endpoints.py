"""/webhook_subscriptions (partner-wide), /events and /webhook_deliveries."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from remit.auth.deps import AuthCall, EntityCall
from remit.core.routing import API_PREFIX, COMMON_ERRORS
from remit.webhooks import schemas, service

router = APIRouter(prefix=API_PREFIX, tags=["Webhooks"], responses=COMMON_ERRORS)
_ONE = "/webhook_subscriptions/{webhook_subscription_id}"


@router.post("/webhook_subscriptions", status_code=201, response_model=schemas.WebhookSubscriptionResourceWithSecret)
async def post_webhook_subscriptions(call: AuthCall, payload: schemas.CreateWebhookSubscriptionRequest) -> Any:
    return await call.run(service.create_subscription, payload=payload)


@router.get("/webhook_subscriptions", response_model=schemas.WebhookSubscriptionPaginationResource)
async def get_webhook_subscriptions(
    call: AuthCall, query: Annotated[schemas.WebhookSubscriptionListQuery, Query()]
) -> Any:
    return await call.run(service.list_subscriptions, query=query)


@router.get(_ONE, response_model=schemas.WebhookSubscriptionResource)
async def get_webhook_subscriptions_id(call: AuthCall, webhook_subscription_id: uuid.UUID) -> Any:
    return await call.run(service.get_subscription, subscription_id=webhook_subscription_id)


@router.patch(_ONE, response_model=schemas.WebhookSubscriptionResource)
async def patch_webhook_subscriptions_id(
    call: AuthCall, webhook_subscription_id: uuid.UUID, payload: schemas.UpdateWebhookSubscriptionRequest
) -> Any:
    return await call.run(service.update_subscription, subscription_id=webhook_subscription_id, payload=payload)


@router.delete(_ONE, status_code=204, response_class=Response)
async def delete_webhook_subscriptions_id(call: AuthCall, webhook_subscription_id: uuid.UUID) -> Response:
    await call.run(service.delete_subscription, subscription_id=webhook_subscription_id)
    return Response(status_code=204)


@router.post(f"{_ONE}/disable", response_model=schemas.WebhookSubscriptionResource)
async def post_webhook_subscriptions_id_disable(call: AuthCall, webhook_subscription_id: uuid.UUID) -> Any:
    return await call.run(service.disable_subscription, subscription_id=webhook_subscription_id)


@router.post(f"{_ONE}/enable", response_model=schemas.WebhookSubscriptionResource)
async def post_webhook_subscriptions_id_enable(call: AuthCall, webhook_subscription_id: uuid.UUID) -> Any:
    return await call.run(service.enable_subscription, subscription_id=webhook_subscription_id)


@router.post(f"{_ONE}/regenerate_secret", response_model=schemas.WebhookSubscriptionResourceWithSecret)
async def post_webhook_subscriptions_id_regenerate_secret(call: AuthCall, webhook_subscription_id: uuid.UUID) -> Any:
    return await call.run(service.regenerate_secret, subscription_id=webhook_subscription_id)


@router.get("/events", response_model=schemas.EventPaginationResource)
async def get_events(call: EntityCall, query: Annotated[schemas.EventListQuery, Query()]) -> Any:
    return await call.run(service.list_events, query=query)


@router.get("/events/{event_id}", response_model=schemas.EventResource)
async def get_events_id(call: AuthCall, event_id: uuid.UUID) -> Any:
    return await call.run(service.get_event, event_id=event_id)


@router.get("/webhook_deliveries", response_model=schemas.WebhookDeliveryPaginationResource)
async def get_webhook_deliveries(call: EntityCall, query: Annotated[schemas.WebhookDeliveryListQuery, Query()]) -> Any:
    return await call.run(service.list_deliveries, query=query)
