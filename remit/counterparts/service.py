"""Counterparts: organisations and individuals a payable comes from or an invoice goes to.

Deleting a counterpart is a soft delete: it disappears from the API (404, hidden from lists)
while payables and receivables that name it keep their reference (docs/master-data.md, "Counterparts").
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from remit.core import clock
from remit.core.context import RequestContext
from remit.core.crud import Resource
from remit.core.errors import FieldError, NotFound
from remit.core.events import record_change
from remit.core.pagination import Page, Paginator
from remit.core.repository import EntityScopedRepository
from remit.core.schemas import PartnerMetadata
from remit.counterparts import schemas
from remit.counterparts.models import (
    Counterpart,
    CounterpartAddress,
    CounterpartBankAccount,
    CounterpartVatId,
    counterpart_tags,
)
from remit.tags.service import TagRepository

OBJECT = "counterpart"


class CounterpartNotFound(NotFound):
    message = "Counterpart not found"


class CounterpartRepository(EntityScopedRepository[Counterpart]):
    model = Counterpart
    not_found = CounterpartNotFound

    def base(self):
        return super().base().where(Counterpart.deleted_at.is_(None))

    def address(self, counterpart_id: uuid.UUID, address_id: uuid.UUID) -> CounterpartAddress | None:
        return self.session.scalars(
            select(CounterpartAddress).where(
                CounterpartAddress.entity_id == self.entity_id,
                CounterpartAddress.counterpart_id == counterpart_id,
                CounterpartAddress.id == address_id,
            )
        ).first()


COUNTERPARTS = Resource(
    CounterpartRepository,
    object_type=OBJECT,
    event_object=OBJECT,
    owner_attr="created_by_entity_user_id",
    events=("created", "updated", "delete"),
)


def _has(model, column, value):
    return exists().where(model.counterpart_id == Counterpart.id, column == value)


def _address_filter(field: str):
    return lambda value: _has(CounterpartAddress, getattr(CounterpartAddress, field), value)


paginator = Paginator(
    endpoint="GET /counterparts",
    query_model=schemas.CounterpartListQuery,
    id_column=Counterpart.id,
    sort_columns={"created_at": Counterpart.created_at, "counterpart_name": Counterpart.name},
    columns={"counterpart_name": Counterpart.name},
    custom_filters={
        "iban": lambda v: _has(CounterpartBankAccount, CounterpartBankAccount.iban, v.replace(" ", "").upper()),
        "sort_code": lambda v: _has(CounterpartBankAccount, CounterpartBankAccount.sort_code, v),
        "account_number": lambda v: _has(CounterpartBankAccount, CounterpartBankAccount.account_number, v),
        "vat_id": lambda v: _has(CounterpartVatId, CounterpartVatId.value, v),
        "tag_ids__in": lambda ids: exists().where(
            counterpart_tags.c.counterpart_id == Counterpart.id, counterpart_tags.c.tag_id.in_(ids)
        ),
        "counterpart_name__iexact": lambda v: func.lower(Counterpart.name) == v.lower(),
        **{f"address_{f}": _address_filter(f) for f in ("country", "city", "postal_code", "state", "line1", "line2")},
    },
)


def _display_name(counterpart: Counterpart) -> str:
    if counterpart.type == "organization":
        return counterpart.legal_name or ""
    return f"{counterpart.first_name} {counterpart.last_name}".strip()


def _party_columns(party: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in party.items() if k not in ("address", "tag_ids")}


def create_counterpart(
    session: Session, ctx: RequestContext, *, payload: schemas.CounterpartCreatePayload
) -> Counterpart:
    data = payload.model_dump(mode="json")
    party = data.pop(payload.type)
    counterpart = Counterpart(id=uuid.uuid4(), **data, **_party_columns(party))
    counterpart.name = _display_name(counterpart)
    # Always assign, so a new counterpart's ``tags`` is loaded (no lazy load when it is rendered).
    tag_ids = [uuid.UUID(t) for t in party.get("tag_ids") or ()]
    counterpart.tags = TagRepository(session, ctx).by_ids(tag_ids) if tag_ids else []
    COUNTERPARTS.create(session, ctx, counterpart)
    address = CounterpartAddress(counterpart_id=counterpart.id, entity_id=counterpart.entity_id, **party["address"])
    session.add(address)
    session.flush()
    counterpart.default_billing_address_id = address.id
    session.flush()
    record_change(
        session, entity_id=counterpart.entity_id, object_type="counterpart_address", event_type="created",
        object_id=address.id,
    )
    return counterpart


def list_counterparts(session: Session, ctx: RequestContext, *, query: schemas.CounterpartListQuery) -> Page:
    return COUNTERPARTS.page(session, ctx, paginator, query)


def get_counterpart(session: Session, ctx: RequestContext, *, counterpart_id: uuid.UUID) -> Counterpart:
    return COUNTERPARTS.get(session, ctx, counterpart_id)


def update_counterpart(
    session: Session, ctx: RequestContext, *, counterpart_id: uuid.UUID, payload: schemas.CounterpartUpdatePayload
) -> Counterpart:
    counterpart = COUNTERPARTS.get(session, ctx, counterpart_id, "update")
    changes = payload.model_dump(mode="json", exclude_unset=True)
    for wrong in ("organization", "individual"):
        if wrong in changes and wrong != counterpart.type:
            raise FieldError(("body", wrong), f"The counterpart is of type {counterpart.type}")
    party = changes.pop(counterpart.type, {})
    if "tag_ids" in party:
        tag_ids = party.pop("tag_ids") or []
        counterpart.tags = TagRepository(session, ctx).by_ids([uuid.UUID(t) for t in tag_ids])
    repo = CounterpartRepository(session, ctx)
    for key in ("default_billing_address_id", "default_shipping_address_id"):
        if changes.get(key) is not None and repo.address(counterpart.id, uuid.UUID(changes[key])) is None:
            raise FieldError(("body", key), "Address not found for this counterpart")
    if "default_billing_address_id" in changes and changes["default_billing_address_id"] is None:
        raise FieldError(("body", "default_billing_address_id"), "Field cannot be null")
    for key in ("language", "reminders_enabled"):
        if key in changes and changes[key] is None:
            raise FieldError(("body", key), "Field cannot be null")
    for key, value in {**changes, **party}.items():
        setattr(counterpart, key, uuid.UUID(value) if key.endswith("_address_id") and value else value)
    counterpart.name = _display_name(counterpart)
    return COUNTERPARTS.changed(session, ctx, counterpart)


def delete_counterpart(session: Session, ctx: RequestContext, *, counterpart_id: uuid.UUID) -> None:
    counterpart = COUNTERPARTS.get(session, ctx, counterpart_id, "delete")
    counterpart.deleted_at = clock.now()
    session.flush()
    record_change(
        session, entity_id=counterpart.entity_id, object_type=OBJECT, event_type="delete", object_id=counterpart.id
    )


def get_partner_metadata(session: Session, ctx: RequestContext, *, counterpart_id: uuid.UUID) -> dict[str, Any]:
    return {"metadata": COUNTERPARTS.get(session, ctx, counterpart_id).partner_metadata}


def put_partner_metadata(
    session: Session, ctx: RequestContext, *, counterpart_id: uuid.UUID, payload: PartnerMetadata
) -> dict[str, Any]:
    counterpart = COUNTERPARTS.get(session, ctx, counterpart_id, "update")
    counterpart.partner_metadata = payload.metadata
    session.flush()
    record_change(
        session, entity_id=counterpart.entity_id, object_type=OBJECT, event_type="metadata_update",
        object_id=counterpart.id,
    )
    return {"metadata": counterpart.partner_metadata}
