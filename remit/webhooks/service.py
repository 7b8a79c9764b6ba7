"""Webhook subscriptions (partner-wide), the events API and the delivery log.

Subscriptions belong to the partner and receive the matching events of all its entities; they
are read and written with partner tokens only (an entity user gets 403) and are not entity-scoped.
``GET /events`` and ``GET /webhook_deliveries`` are entity-scoped lists, for partner tokens too.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from remit.core import clock
from remit.core.context import RequestContext
from remit.core.enums import WebhookSubscriptionStatus
from remit.core.errors import FieldError, NotFound
from remit.core.pagination import Page, Paginator
from remit.entities.models import Entity
from remit.events.models import Event
from remit.runtime import runtime_of
from remit.webhooks import schemas
from remit.webhooks.models import WebhookDelivery, WebhookSubscription
from remit.webhooks.secrets import new_secret
from remit.webhooks.urls import RefusedURL, check_url

ENABLED = WebhookSubscriptionStatus.enabled.value
DISABLED = WebhookSubscriptionStatus.disabled.value


class SubscriptionNotFound(NotFound):
    message = "Webhook subscription not found"


class EventNotFound(NotFound):
    message = "Event not found"


# -- rendering --------------------------------------------------------------------------------


def event_resource(event: Any) -> dict[str, Any]:
    """An event as ``EventResource`` (the webhook body adds ``webhook_subscription_id``)."""
    return {
        "id": event.id,
        "created_at": event.created_at,
        "action": event.action,
        "api_version": event.api_version,
        "description": event.description,
        "entity_id": event.entity_id,
        "object": {"id": str(event.object_id)},
        "object_type": event.object_type,
    }


def subscription_resource(subscription: WebhookSubscription, secret: str | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": subscription.id,
        "event_types": list(subscription.event_types),
        "object_type": subscription.object_type,
        "status": subscription.status,
        "url": subscription.url,
    }
    if secret is not None:
        document["secret"] = secret
    return document


# -- subscriptions ----------------------------------------------------------------------------


def _checked_url(session: Session, url: str) -> str:
    settings = runtime_of(session).settings
    try:
        return check_url(
            url, allow_insecure=settings.allow_insecure_webhook_urls, allow_private=settings.webhook_allow_private_urls
        )
    except RefusedURL as exc:
        raise FieldError(("body", "url"), str(exc)) from None


def latest_event_seq(session: Session) -> int:
    """The last event number handed out (committed): a subscription enabled now receives later ones."""
    return int(session.execute(select(func.coalesce(func.max(Event.seq), 0))).scalar_one())


def _load(session: Session, ctx: RequestContext, subscription_id: uuid.UUID, *, lock: bool = False) -> WebhookSubscription:
    ctx.require_partner()
    stmt = select(WebhookSubscription).where(
        WebhookSubscription.id == subscription_id, WebhookSubscription.partner_id == ctx.partner_id
    )
    if lock:
        stmt = stmt.with_for_update()
    subscription = session.scalars(stmt).first()
    if subscription is None:
        raise SubscriptionNotFound()
    return subscription


def create_subscription(
    session: Session, ctx: RequestContext, *, payload: schemas.CreateWebhookSubscriptionRequest
) -> dict[str, Any]:
    ctx.require_partner()
    url = _checked_url(session, payload.url)
    secret = new_secret()
    subscription = WebhookSubscription(
        id=uuid.uuid4(),
        partner_id=ctx.partner_id,
        object_type=schemas.normalise_object_type(payload.object_type),
        url=url,
        event_types=list(payload.event_types or []),
        status=ENABLED,
        secret_encrypted=runtime_of(session).webhooks.box.seal(secret),
        enabled_after_seq=latest_event_seq(session),
    )
    session.add(subscription)
    session.flush()
    return subscription_resource(subscription, secret)


SUBSCRIPTIONS = Paginator(
    endpoint="webhook_subscriptions",
    query_model=schemas.WebhookSubscriptionListQuery,
    id_column=WebhookSubscription.id,
    sort_columns={"created_at": WebhookSubscription.created_at, "updated_at": WebhookSubscription.updated_at},
    custom_filters={"object_type": lambda v: WebhookSubscription.object_type == schemas.normalise_object_type(v)},
)


def list_subscriptions(
    session: Session, ctx: RequestContext, *, query: schemas.WebhookSubscriptionListQuery
) -> Page[Any]:
    ctx.require_partner()
    stmt = select(WebhookSubscription).where(WebhookSubscription.partner_id == ctx.partner_id)
    page = SUBSCRIPTIONS.paginate(session, stmt, query, scope=f"partner:{ctx.partner_id}")
    page.data = [subscription_resource(s) for s in page.data]
    return page


def get_subscription(session: Session, ctx: RequestContext, *, subscription_id: uuid.UUID) -> dict[str, Any]:
    return subscription_resource(_load(session, ctx, subscription_id))


def update_subscription(
    session: Session, ctx: RequestContext, *, subscription_id: uuid.UUID,
    payload: schemas.UpdateWebhookSubscriptionRequest,
) -> dict[str, Any]:
    subscription = _load(session, ctx, subscription_id, lock=True)
    if payload.url is not None:
        subscription.url = _checked_url(session, payload.url)
    if payload.object_type is not None:
        subscription.object_type = schemas.normalise_object_type(payload.object_type)
    if payload.event_types is not None:
        subscription.event_types = list(payload.event_types)
    session.flush()
    return subscription_resource(subscription)


def _abandon_queued(session: Session, subscription_id: uuid.UUID) -> None:
    """Deliveries still waiting for an attempt end as failed (an attempt under way finishes and
    records what it got)."""
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription_id, WebhookDelivery.was_successful.is_(None))
        .values(was_successful=False, next_attempt_at=None, updated_at=clock.now())
    )


def delete_subscription(session: Session, ctx: RequestContext, *, subscription_id: uuid.UUID) -> None:
    subscription = _load(session, ctx, subscription_id, lock=True)
    _abandon_queued(session, subscription.id)
    session.delete(subscription)
    session.flush()


def disable_subscription(session: Session, ctx: RequestContext, *, subscription_id: uuid.UUID) -> dict[str, Any]:
    subscription = _load(session, ctx, subscription_id, lock=True)
    if subscription.status != DISABLED:
        subscription.status = DISABLED
        _abandon_queued(session, subscription.id)
        session.flush()
    return subscription_resource(subscription)


def enable_subscription(session: Session, ctx: RequestContext, *, subscription_id: uuid.UUID) -> dict[str, Any]:
    subscription = _load(session, ctx, subscription_id, lock=True)
    if subscription.status != ENABLED:
        subscription.status = ENABLED
        # Events committed while it was disabled are not replayed.
        subscription.enabled_after_seq = latest_event_seq(session)
        session.flush()
    return subscription_resource(subscription)


def regenerate_secret(session: Session, ctx: RequestContext, *, subscription_id: uuid.UUID) -> dict[str, Any]:
    subscription = _load(session, ctx, subscription_id, lock=True)
    secret = new_secret()
    subscription.secret_encrypted = runtime_of(session).webhooks.box.seal(secret)
    session.flush()
    return subscription_resource(subscription, secret)


# -- events -----------------------------------------------------------------------------------

EVENTS = Paginator(
    endpoint="events",
    query_model=schemas.EventListQuery,
    id_column=Event.id,
    # Events never change: "updated_at" is their creation.
    sort_columns={"created_at": Event.created_at, "updated_at": Event.created_at},
    custom_filters={"object_type": lambda v: Event.object_type == schemas.normalise_object_type(v)},
)


def list_events(session: Session, ctx: RequestContext, *, query: schemas.EventListQuery) -> Page[Any]:
    ctx.require_partner()
    stmt = select(Event).where(Event.entity_id == ctx.scoped_entity_id)
    page = EVENTS.paginate(session, stmt, query, scope=str(ctx.scoped_entity_id))
    page.data = [event_resource(e) for e in page.data]
    return page


def get_event(session: Session, ctx: RequestContext, *, event_id: uuid.UUID) -> dict[str, Any]:
    ctx.require_partner()
    event = session.scalars(
        select(Event)
        .join(Entity, Entity.id == Event.entity_id)
        .where(Event.id == event_id, Entity.partner_id == ctx.partner_id)
    ).first()
    if event is None:
        raise EventNotFound()
    return event_resource(event)


# -- the delivery log -------------------------------------------------------------------------

DELIVERIES = Paginator(
    endpoint="webhook_deliveries",
    query_model=schemas.WebhookDeliveryListQuery,
    id_column=WebhookDelivery.id,
    sort_columns={"created_at": WebhookDelivery.created_at, "updated_at": WebhookDelivery.updated_at},
    custom_filters={"object_type": lambda v: WebhookDelivery.object_type == schemas.normalise_object_type(v)},
    columns={"event_action": WebhookDelivery.action},
)


def list_deliveries(session: Session, ctx: RequestContext, *, query: schemas.WebhookDeliveryListQuery) -> Page[Any]:
    ctx.require_partner()
    stmt = select(WebhookDelivery).where(WebhookDelivery.entity_id == ctx.scoped_entity_id)
    return DELIVERIES.paginate(session, stmt, query, scope=str(ctx.scoped_entity_id))
