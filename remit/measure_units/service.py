"""Measure units (docs/master-data.md, "Products and measure units"); permissions are those of ``product``."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from remit.core.context import RequestContext
from remit.core.crud import Resource
from remit.core.errors import NotFound
from remit.core.repository import EntityScopedRepository
from remit.measure_units import schemas
from remit.measure_units.models import MeasureUnit


class MeasureUnitNotFound(NotFound):
    message = "Measure unit not found"


class MeasureUnitRepository(EntityScopedRepository[MeasureUnit]):
    model = MeasureUnit
    not_found = MeasureUnitNotFound


UNITS = Resource(MeasureUnitRepository, object_type="product")


def create_unit(session: Session, ctx: RequestContext, *, payload: schemas.UnitRequest) -> MeasureUnit:
    return UNITS.create(session, ctx, MeasureUnit(**payload.model_dump()))


def list_units(session: Session, ctx: RequestContext) -> dict[str, list[MeasureUnit]]:
    return {"data": UNITS.list_all(session, ctx)}


def get_unit(session: Session, ctx: RequestContext, *, unit_id: uuid.UUID) -> MeasureUnit:
    return UNITS.get(session, ctx, unit_id)


def update_unit(session: Session, ctx: RequestContext, *, unit_id: uuid.UUID, payload: schemas.UnitUpdate) -> MeasureUnit:
    return UNITS.update(session, ctx, unit_id, payload.model_dump(exclude_unset=True))


def delete_unit(session: Session, ctx: RequestContext, *, unit_id: uuid.UUID) -> None:
    UNITS.delete(session, ctx, unit_id)
