"""Every SQL statement of the receivables domain that reads documents, scoped to the request's entity."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.orm.attributes import set_committed_value

from remit.core.repository import EntityScopedRepository
from remit.receivables.errors import ReceivableNotFound
from remit.receivables.lifecycle import ReceivableType, S
from remit.receivables.models import Receivable, ReceivableLineItem, receivable_tags
from remit.tags.models import Tag

# Statements every write runs, built once (a request only binds the ids).
_ENTITY = bindparam("entity_id", type_=Receivable.entity_id.type)
_ID = bindparam("receivable_id", type_=Receivable.id.type)
# A credit note's invoice is locked before the credit note: its id is asked first.
_PARENT = select(Receivable.based_on).where(
    Receivable.entity_id == _ENTITY, Receivable.id == _ID, Receivable.type == ReceivableType.credit_note,
)


def _locking(*conditions: Any) -> Select[Receivable, bool]:
    """The document row-locked (FOR UPDATE of its own row only), with whether it has tags."""
    return (
        select(Receivable, exists().where(receivable_tags.c.receivable_id == Receivable.id).label("has_tags"))
        .where(Receivable.entity_id == _ENTITY, Receivable.id == _ID, Receivable.status != S.deleted, *conditions)
        .with_for_update(of=Receivable)
        .execution_options(populate_existing=True)
    )


_FOR_UPDATE = _locking()
# Any document but a credit note made from an invoice (whose invoice is locked first: see get_for_update).
_FOR_UPDATE_UNLESS_CREDITING = _locking(
    ~((Receivable.type == ReceivableType.credit_note) & Receivable.based_on.is_not(None))
)
_LINES = (
    select(ReceivableLineItem)
    .where(ReceivableLineItem.entity_id == _ENTITY, ReceivableLineItem.receivable_id == _ID)
    .order_by(ReceivableLineItem.position)
)
_TAGS = (
    select(Tag)
    .join(receivable_tags, receivable_tags.c.tag_id == Tag.id)
    .where(Tag.entity_id == _ENTITY, receivable_tags.c.receivable_id == _ID)
    .order_by(Tag.name)
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
        """Row-locked for a write (on PostgreSQL; SQLite writers are serialised anyway), in the one
        lock order of every receivable write: a credit note's invoice before the credit note. One
        statement locks any other document; a credit note made from an invoice is not found by it,
        and takes its invoice's id, its invoice's lock, then its own."""
        receivable = self._lock(_FOR_UPDATE_UNLESS_CREDITING, receivable_id)
        if receivable is None:
            parent = self.credit_note_parent(receivable_id)
            if parent is not None:
                self.find_for_update(parent)
            receivable = self.find_for_update(receivable_id)
        if receivable is None:
            raise ReceivableNotFound(receivable_id)
        return receivable

    def find_for_update(self, receivable_id: uuid.UUID) -> Receivable | None:
        """This one document row-locked (None when missing), with its lines and tags (every write
        reads them: totals, checks, the response), each by a prebuilt statement set on the object as
        loaded (tags only when it has any). To lock a document being written, ``get_for_update``."""
        return self._lock(_FOR_UPDATE, receivable_id)

    def _lock(self, statement: Select[Receivable, bool], receivable_id: uuid.UUID) -> Receivable | None:
        params = {"entity_id": self.entity_id, "receivable_id": receivable_id}
        row = self.session.execute(statement, params).first()
        if row is None:
            return None
        receivable: Receivable = row[0]
        set_committed_value(receivable, "line_items", list(self.session.scalars(_LINES, params)))
        set_committed_value(receivable, "tags", list(self.session.scalars(_TAGS, params)) if row.has_tags else [])
        return receivable

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
