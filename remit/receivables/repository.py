"""Every SQL statement of the receivables domain that reads documents, scoped to the request's entity."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import selectinload

from remit.core.repository import EntityScopedRepository
from remit.receivables.errors import ReceivableNotFound
from remit.receivables.lifecycle import ReceivableType, S
from remit.receivables.models import Receivable

# Every transition asks it first (a credit note's invoice is locked before the credit note): built once.
_PARENT = select(Receivable.based_on).where(
    Receivable.entity_id == bindparam("entity_id", type_=Receivable.entity_id.type),
    Receivable.id == bindparam("receivable_id", type_=Receivable.id.type),
    Receivable.type == ReceivableType.credit_note,
)


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
        """Row-locked, with its lines and tags (every write reads them: totals, checks, the response)."""
        statement = select(Receivable).where(
            Receivable.entity_id == self.entity_id, Receivable.id == receivable_id, Receivable.status != S.deleted,
        ).with_for_update().options(selectinload(Receivable.line_items), selectinload(Receivable.tags))
        return self.session.scalars(statement.execution_options(populate_existing=True)).first()

    def credit_note_parent(self, receivable_id: uuid.UUID) -> uuid.UUID | None:
        """The invoice a credit note is based on (None for any other document, or none found)."""
        found: uuid.UUID | None = self.session.connection().execute(
            _PARENT, {"entity_id": self.entity_id, "receivable_id": receivable_id}
        ).scalar()
        return found

    def based_on(self, source_id: uuid.UUID, kind: str, *, statuses: tuple[str, ...] | None = None) -> list[Receivable]:
        """Live documents of ``kind`` made from ``source_id`` (oldest first), optionally in ``statuses``."""
        statement = self.base().where(Receivable.based_on == source_id, Receivable.type == kind)
        if statuses is not None:
            statement = statement.where(Receivable.status.in_(statuses))
        return list(self.session.scalars(statement.order_by(Receivable.created_at, Receivable.id)))
