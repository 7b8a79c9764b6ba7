from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from remit.core.context import RequestContext
from remit.core.errors import NotFound
from remit.core.repository import EntityScopedRepository
from remit.entities.models import Entity, EntitySettings, EntityStatus, EntityVatId


class EntityNotFound(NotFound):
    message = "Entity not found"


class EntityRepository:
    """Entities are scoped by partner; an entity user sees only its own entity."""

    def __init__(self, session: Session, ctx: RequestContext):
        self.session = session
        self.ctx = ctx

    def base(self) -> Select[Entity]:
        stmt = select(Entity).where(Entity.partner_id == self.ctx.partner_id, Entity.status != EntityStatus.deleted)
        if not self.ctx.is_partner:
            stmt = stmt.where(Entity.id == self.ctx.entity_id)
        return stmt

    def get(self, entity_id: uuid.UUID, *, for_update: bool = False) -> Entity:
        stmt = self.base().where(Entity.id == entity_id)
        entity = self.session.scalars(stmt.with_for_update() if for_update else stmt).first()
        if entity is None:
            raise EntityNotFound()
        return entity

    def settings(self, entity_id: uuid.UUID) -> EntitySettings:
        return self.session.get_one(EntitySettings, entity_id)


class EntityVatIdNotFound(NotFound):
    message = "Entity VAT ID not found"


class EntityVatIdRepository(EntityScopedRepository[EntityVatId]):
    model = EntityVatId
    not_found = EntityVatIdNotFound
