"""VAT rates: the shipped catalogue for the entity's country (docs/master-data.md, "VAT rates") and
custom rates.

Reads are open to every user of the entity; custom-rate writes need ``entity.update``.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from remit.core import clock
from remit.core.context import RequestContext
from remit.core.crud import Resource
from remit.core.errors import NotFound
from remit.core.repository import EntityScopedRepository
from remit.counterparts.service import CounterpartRepository
from remit.entities.repository import EntityRepository, EntityVatIdRepository
from remit.vat_rates import schemas
from remit.vat_rates.catalogue import catalogue
from remit.vat_rates.models import CustomVatRate


class CustomVatRateNotFound(NotFound):
    message = "Custom VAT rate not found"


class CustomVatRateRepository(EntityScopedRepository[CustomVatRate]):
    model = CustomVatRate
    not_found = CustomVatRateNotFound


CUSTOM_RATES = Resource(
    CustomVatRateRepository,
    object_type="custom_vat_rate",
    owner_attr="created_by_entity_user_id",
    write_permission=("entity", "update"),
)


def list_vat_rates(
    session: Session,
    ctx: RequestContext,
    *,
    counterpart_id: uuid.UUID | None = None,
    entity_vat_id_id: uuid.UUID | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """The catalogue rates active today in the entity's country; ``[]`` for a country without one."""
    entity = EntityRepository(session, ctx).get(ctx.scoped_entity_id)
    if counterpart_id is not None:
        CounterpartRepository(session, ctx).get(counterpart_id)
    if entity_vat_id_id is not None:
        EntityVatIdRepository(session, ctx).get(entity_vat_id_id)
    today = clock.now().date()
    rates = catalogue().active(entity.address["country"], today)
    return {
        "data": [
            {
                "id": r.id,
                "created_at": r.created_at,
                "updated_at": r.updated_at,
                "country": r.country,
                "value": r.value,
                "components": r.components,
                "status": r.status_on(today),
                "valid_from": r.valid_from,
                "valid_until": r.valid_until,
                "created_by": r.created_by,
            }
            for r in rates
        ]
    }


def create_custom_vat_rate(
    session: Session, ctx: RequestContext, *, payload: schemas.CustomVatRateRequest
) -> CustomVatRate:
    return CUSTOM_RATES.create(session, ctx, CustomVatRate(**payload.model_dump()))


def list_custom_vat_rates(session: Session, ctx: RequestContext) -> dict[str, list[CustomVatRate]]:
    return {"data": CUSTOM_RATES.list_all(session, ctx)}


def get_custom_vat_rate(session: Session, ctx: RequestContext, *, custom_vat_rate_id: uuid.UUID) -> CustomVatRate:
    return CUSTOM_RATES.get(session, ctx, custom_vat_rate_id)


def update_custom_vat_rate(
    session: Session,
    ctx: RequestContext,
    *,
    custom_vat_rate_id: uuid.UUID,
    payload: schemas.CustomVatRateUpdateRequest,
) -> CustomVatRate:
    changes = payload.model_dump(exclude_unset=True)
    return CUSTOM_RATES.update(session, ctx, custom_vat_rate_id, changes)


def delete_custom_vat_rate(session: Session, ctx: RequestContext, *, custom_vat_rate_id: uuid.UUID) -> None:
    CUSTOM_RATES.delete(session, ctx, custom_vat_rate_id)
