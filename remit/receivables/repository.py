"""Every SQL statement of the receivables domain that reads documents, scoped to the request's entity."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select

from remit.core.repository import EntityScopedRepository
from remit.receivables.errors import ReceivableNotFound
from remit.receivables.lifecycle import S
from remit.receivables.models import Receivable


class ReceivableRepository(EntityScopedRepository[Receivable]):
    """Live documents only: a deleted document is not found."""

    model = Receivable

    def base(self) -> Select[Any]:
        return super().base().where(Receivable.status != S.deleted)

    def get(self, receivable_id: uuid.UUID) -> Receivable:
        receivable: Receivable | None = self.find(receivable_id)
        if receivable is None:
            raise ReceivableNotFound(receivable_id)
        return receivable

    def get_for_update(self, receivable_id: uuid.UUID) -> Receivable:
        """Row-locked on PostgreSQL so concurrent writers queue; SQLite writers are serialised anyway."""
        receivable = self.find_for_update(receivable_id)
        if receivable is None:
            raise ReceivableNotFound(receivable_id)
        return receivable

    def find_for_update(self, receivable_id: uuid.UUID) -> Receivable | None:
        statement = select(Receivable).where(
            Receivable.entity_id == self.entity_id, Receivable.id == receivable_id, Receivable.status != S.deleted,
        ).with_for_update()
        return self.session.scalars(statement.execution_options(populate_existing=True)).first()

    def based_on(self, source_id: uuid.UUID, kind: str, *, statuses: tuple[str, ...] | None = None) -> list[Receivable]:
        """Live documents of ``kind`` made from ``source_id`` (oldest first), optionally in ``statuses``."""
        statement = self.base().where(Receivable.based_on == source_id, Receivable.type == kind)
        if statuses is not None:
            statement = statement.where(Receivable.status.in_(statuses))
        return list(self.session.scalars(statement.order_by(Receivable.created_at, Receivable.id)))
