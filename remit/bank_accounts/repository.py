"""Every SQL statement of the entity bank accounts domain."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.bank_accounts.errors import EntityBankAccountNotFound
from remit.bank_accounts.models import EntityBankAccount
from remit.core.repository import EntityScopedRepository
from remit.entities.models import Entity


def default_of(session: Session, entity_id: uuid.UUID, currency: str) -> EntityBankAccount | None:
    return session.scalars(
        select(EntityBankAccount).where(
            EntityBankAccount.entity_id == entity_id,
            EntityBankAccount.currency == currency,
            EntityBankAccount.is_default_for_currency.is_(True),
        )
    ).first()


class EntityBankAccountRepository(EntityScopedRepository[EntityBankAccount]):
    model = EntityBankAccount
    not_found = EntityBankAccountNotFound

    def lock_defaults(self) -> None:
        """Serialise the writes that move this entity's defaults (create, make_default, delete).

        Two first accounts of a currency created at once would otherwise both see no default and
        both claim it; the unique index would turn the second into a 409. The entity row is locked
        ``FOR NO KEY UPDATE``, which does not block rows of other tables that reference the entity
        (their foreign-key checks take a key-share lock). SQLite's writing transactions are
        exclusive already and ignore the clause.
        """
        self.session.execute(select(Entity.id).where(Entity.id == self.entity_id).with_for_update(key_share=True))

    def default_for(self, currency: str) -> EntityBankAccount | None:
        return default_of(self.session, self.entity_id, currency)

    def oldest_of(self, currency: str) -> EntityBankAccount | None:
        stmt = self.base().where(EntityBankAccount.currency == currency)
        return self.session.scalars(stmt.order_by(EntityBankAccount.created_at, EntityBankAccount.id)).first()
